//! Turning a drawing into the bytes of a file: SVG (byte-identical for the same data) or PNG
//! at twice the size (for slides and high-density screens: every coordinate, line and font
//! doubled by [`Doubled`], so the PNG is the SVG drawn sharper), with the embedded font
//! registered once. What is drawn is up to the [`Drawing`]; nothing here knows about runs or
//! studies.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use thiserror::Error;

use super::{DrawResult, style};

/// An image format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics (text drawn by the viewer).
    Svg,
    /// A bitmap, with text drawn from the embedded font.
    Png,
}

impl Format {
    /// The formats a report writes: SVG always, PNG too when `png` is asked for.
    pub fn wanted(png: bool) -> &'static [Format] {
        if png {
            &[Format::Svg, Format::Png]
        } else {
            &[Format::Svg]
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }

    /// The name of a chart file in this format, e.g. `queue-depth.svg`.
    pub fn file_name(self, stem: &str) -> String {
        format!("{stem}.{}", self.extension())
    }
}

/// A chart that could not be drawn.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ChartError {
    /// The embedded font could not be loaded (a build problem, not a data problem).
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// Drawing or encoding failed.
    #[error("could not draw chart {file}: {message}")]
    Draw {
        /// The file being produced, e.g. `latency-cdf.svg`.
        file: String,
        /// What went wrong.
        message: String,
    },
}

/// Registers the embedded font with plotters, once per process.
fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        let regular =
            plotters::style::register_font(style::FONT, FontStyle::Normal, dejavu::sans::regular());
        let bold =
            plotters::style::register_font(style::FONT, FontStyle::Bold, dejavu::sans::bold());
        regular.is_ok() && bold.is_ok()
    });
    if ok { Ok(()) } else { Err(ChartError::Font) }
}

/// Something drawn on any plotters backend: a chart of one run, or of a study.
pub trait Drawing {
    /// Draws on `root`.
    fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;

    /// The canvas size in pixels (of the SVG; the PNG is twice as wide and high).
    fn size(&self) -> (u32, u32) {
        style::SIZE
    }
}

/// Draws `drawing` in `format` and returns the bytes of `file`.
pub fn render_drawing(
    drawing: &impl Drawing,
    file: &str,
    format: Format,
) -> Result<Vec<u8>, ChartError> {
    register_font()?;
    let failed = |message: String| ChartError::Draw {
        file: file.to_string(),
        message,
    };
    let size = drawing.size();
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                drawing.draw_on(&root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            text.push('\n');
            Ok(text.into_bytes())
        }
        Format::Png => {
            let (width, height) = (size.0 * 2, size.1 * 2);
            let mut pixels = vec![0u8; width as usize * height as usize * 3];
            {
                let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
                let root = Doubled(bitmap).into_drawing_area();
                drawing.draw_on(&root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            encode_png(&pixels, width, height).map_err(|e| failed(e.to_string()))
        }
    }
}

/// A backend that draws on `B` at twice the scale: the drawing sees a canvas half of `B`'s
/// size, and every coordinate, line width, radius and font size is doubled on the way.
struct Doubled<B>(B);

/// A line style twice as wide.
struct Thick<'a, S>(&'a S);

impl<S: BackendStyle> BackendStyle for Thick<'_, S> {
    fn color(&self) -> BackendColor {
        self.0.color()
    }

    fn stroke_width(&self) -> u32 {
        self.0.stroke_width() * 2
    }
}

fn twice((x, y): BackendCoord) -> BackendCoord {
    (x * 2, y * 2)
}

impl<B: DrawingBackend> DrawingBackend for Doubled<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        let (width, height) = self.0.get_size();
        (width / 2, height / 2)
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let (x, y) = twice(point);
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            self.0.draw_pixel((x + dx, y + dy), color)?;
        }
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_line(twice(from), twice(to), &Thick(style))
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0
            .draw_rect(twice(upper_left), twice(bottom_right), &Thick(style), fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.draw_path(path.into_iter().map(twice), &Thick(style))
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0
            .draw_circle(twice(center), radius * 2, &Thick(style), fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        self.0.fill_polygon(vert.into_iter().map(twice), style)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<B::ErrorType>> {
        let font = FontDesc::new(style.family(), style.size() * 2.0, style.style())
            .transform(style.transform());
        let doubled = TextStyle {
            font,
            color: style.color(),
            pos: style.anchor(),
        };
        self.0.draw_text(text, &doubled, twice(pos))
    }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A drawing with a one-pixel line and a filled box.
    struct Marks;

    impl Drawing for Marks {
        fn draw_on<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
        where
            DB::ErrorType: 'static,
        {
            root.fill(&WHITE)?;
            root.draw(&Rectangle::new([(10, 10), (19, 19)], BLACK.filled()))?;
            Ok(())
        }

        fn size(&self) -> (u32, u32) {
            (40, 30)
        }
    }

    #[test]
    fn png_is_drawn_at_twice_the_size_of_the_svg() {
        let svg = String::from_utf8(render_drawing(&Marks, "m.svg", Format::Svg).unwrap()).unwrap();
        assert!(svg.contains("width=\"40\" height=\"30\""), "{svg}");
        let png = render_drawing(&Marks, "m.png", Format::Png).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut doubled = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut doubled).unwrap();
        assert_eq!((info.width, info.height), (80, 60));
        // Every pixel of the drawing at its own size is a 2×2 block of the PNG.
        let mut single = vec![0u8; 40 * 30 * 3];
        {
            let root = BitMapBackend::with_buffer(&mut single, (40, 30)).into_drawing_area();
            Marks.draw_on(&root).unwrap();
            root.present().unwrap();
        }
        for y in 0..30 {
            for x in 0..40 {
                let one = single[(y * 40 + x) * 3];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let two = doubled[((2 * y + dy) * 80 + 2 * x + dx) * 3];
                    assert_eq!(one, two, "pixel ({x}, {y})");
                }
            }
        }
        assert_eq!(single[(15 * 40 + 15) * 3], 0, "the box is drawn");
    }

    #[test]
    fn png_is_asked_for_and_named_by_its_extension() {
        assert_eq!(Format::wanted(false), &[Format::Svg]);
        assert_eq!(Format::wanted(true), &[Format::Svg, Format::Png]);
        assert_eq!(Format::Png.file_name("outcomes"), "outcomes.png");
    }

    /// A drawing that fails, to see the error name its file.
    struct Broken;

    impl Drawing for Broken {
        fn draw_on<DB: DrawingBackend>(&self, _root: &DrawingArea<DB, Shift>) -> DrawResult
        where
            DB::ErrorType: 'static,
        {
            Err("no data".into())
        }
    }

    #[test]
    fn a_failed_drawing_names_its_file() {
        let error = render_drawing(&Broken, "x.svg", Format::Svg).unwrap_err();
        assert_eq!(error.to_string(), "could not draw chart x.svg: no data");
    }
}
