//! How a list of charts is declared: [`chart_list!`] turns one table (each chart's name, file
//! stem, title, caption and drawing function) into an enum with everything the writers need,
//! so that the folder writer, the HTML report and the PNG option all read the same list.

/// Declares a list of charts as one table of entries
/// `Name { file_stem: "…", title: "…", how_to_read: "…", draw: path::to::function }`, in report
/// order. It generates an enum with one variant per entry and, on it, `ALL` (every variant in
/// the order written), `file_stem`, `title`, `how_to_read` and `draw`, which calls the entry's
/// function `fn(&DrawingArea<DB, Shift>, &View) -> DrawResult`. Adding a chart is one entry.
macro_rules! chart_list {
    (
        $(#[$attr:meta])*
        pub enum $list:ident for $view:ty {
            $(
                $(#[$doc:meta])*
                $chart:ident {
                    file_stem: $stem:literal,
                    title: $title:literal,
                    how_to_read: $caption:literal,
                    draw: $draw:path $(,)?
                }
            ),+ $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $list {
            $( $(#[$doc])* $chart, )+
        }

        impl $list {
            /// Every chart, in report order.
            pub const ALL: [$list; [$(stringify!($chart)),+].len()] = [$($list::$chart),+];

            /// The file name without extension, e.g. `queue-depth`.
            pub fn file_stem(self) -> &'static str {
                match self {
                    $($list::$chart => $stem,)+
                }
            }

            /// The chart's title, without the scenario name.
            pub fn title(self) -> &'static str {
                match self {
                    $($list::$chart => $title,)+
                }
            }

            /// One or two sentences on how to read the chart (its caption in the report).
            pub fn how_to_read(self) -> &'static str {
                match self {
                    $($list::$chart => $caption,)+
                }
            }

            /// Draws the chart of `view` on `root`, on any plotters backend.
            pub fn draw<DB: plotters::prelude::DrawingBackend>(
                self,
                root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
                view: &$view,
            ) -> $crate::report::charts::DrawResult
            where
                DB::ErrorType: 'static,
            {
                match self {
                    $($list::$chart => $draw(root, view),)+
                }
            }
        }
    };
}

pub(super) use chart_list;
