//! Long time series drawn as what a plot can show. A year sampled every five minutes is
//! 105 000 samples and twice as many step points, on a plot under a thousand pixels wide: drawn
//! point by point, one such chart is tens of megabytes of SVG, and `report.html` embeds all of
//! them. A dense series is drawn one pixel column at a time instead: a bar as wide as the line
//! from the column's lowest to its highest point (and to where the line entered it), which
//! covers the pixels the line through every point would. An area is filled column by column
//! up to the column's highest point. `style::draw_line` and `style::draw_area` choose: a
//! series of at most [`WHOLE`] points is drawn as before, point by point. Dashes do not show in the dense part of a line, where they could not be
//! told apart anyway.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::DrawResult;

/// Series of at most this many points are drawn point by point: more than 24 for every
/// pixel of a PNG plot (which is under 2 000 pixels wide) before a series counts as dense.
pub const WHOLE: usize = 49_152;

/// Whether `points` are too many to draw point by point.
pub fn is_dense(points: &[(f64, f64)]) -> bool {
    points.len() > WHOLE
}

/// One pixel column a line passes through: its highest and lowest pixel row (rows count
/// down from the top) and the row where the line leaves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Column {
    x: i32,
    top: i32,
    bottom: i32,
    last: i32,
}

/// The pixel columns a line through `pixels` (in order, left to right) passes through. A
/// column also reaches the row where the line entered it from the column before, and the
/// columns a segment crosses without a point of its own get the rows it crosses there.
fn columns(pixels: impl IntoIterator<Item = (i32, i32)>) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::new();
    for (x, y) in pixels {
        let Some(&previous) = columns.last() else {
            columns.push(Column {
                x,
                top: y,
                bottom: y,
                last: y,
            });
            continue;
        };
        if x == previous.x {
            let column = columns.last_mut().expect("a column");
            column.top = column.top.min(y);
            column.bottom = column.bottom.max(y);
            column.last = y;
            continue;
        }
        // The segment from the previous column's last row to (x, y), column by column.
        let (from, span) = (f64::from(previous.last), f64::from(x - previous.x));
        let row_at = |column: i32| {
            let done = f64::from(column - previous.x) / span;
            (from + (f64::from(y) - from) * done).round() as i32
        };
        for between in previous.x + 1..=x {
            let (entry, exit) = (row_at(between - 1), row_at(between));
            columns.push(Column {
                x: between,
                top: entry.min(exit),
                bottom: entry.max(exit),
                last: exit,
            });
        }
    }
    columns
}

/// The plot's pixel area and where `points` fall in it.
fn pixels<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &ChartContext<'_, DB, CT>,
    points: &[(f64, f64)],
) -> (DrawingArea<DB, Shift>, Vec<Column>) {
    let area = chart.plotting_area();
    let (x0, y0) = area.get_base_pixel();
    let at = points.iter().map(|point| {
        let (x, y) = area.map_coordinate(point);
        (x - x0, y - y0)
    });
    (area.strip_coord_spec(), columns(at))
}

/// Draws a dense line through `points`, `width` pixels wide, one bar per pixel column.
pub fn draw_dense_line<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &ChartContext<'_, DB, CT>,
    points: &[(f64, f64)],
    color: RGBColor,
    width: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (area, columns) = pixels(chart, points);
    draw_strokes(&area, &columns, color, width)
}

/// One bar per column, `width` pixels wide and reaching half the width past either end, so
/// a flat stretch shows as thick as a line. (A rectangle's far corner is exclusive, in SVG
/// and in the bitmap alike.)
fn draw_strokes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    columns: &[Column],
    color: RGBColor,
    width: u32,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let width = width.max(1) as i32;
    let half = width / 2;
    for column in columns {
        let (left, top) = (column.x - half, column.top - half);
        let (right, bottom) = (left + width, column.bottom - half + width);
        area.draw(&Rectangle::new(
            [(left, top), (right, bottom)],
            color.filled(),
        ))?;
    }
    Ok(())
}

/// Fills a dense area between `points` and `baseline`, one pixel column at a time up to the
/// column's highest point, with `border` (colour and width) drawn along the line.
pub fn draw_dense_area<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &ChartContext<'_, DB, CT>,
    points: &[(f64, f64)],
    baseline: f64,
    fill: ShapeStyle,
    border: Option<(RGBColor, u32)>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let (area, columns) = pixels(chart, points);
    let plot = chart.plotting_area();
    let base = plot
        .map_coordinate(&(points.first().map_or(0.0, |p| p.0), baseline))
        .1
        - plot.get_base_pixel().1;
    for column in &columns {
        let (top, bottom) = (column.top.min(base), column.top.max(base));
        area.draw(&Rectangle::new(
            [(column.x, top), (column.x + 1, bottom)],
            fill,
        ))?;
    }
    if let Some((color, width)) = border {
        draw_strokes(&area, &columns, color, width)?;
    }
    Ok(())
}

/// Pieces of a line drawn apart so that gaps stay blank (the deferral rate where nothing was
/// attempted), joined where the gap between two is narrower than a pixel: unseen at that
/// width, but without them a dense series would stay thousands of short pieces, each drawn
/// point by point. Pieces of at most [`WHOLE`] points in all are returned unchanged.
pub fn join_unseen_gaps(paths: Vec<Vec<(f64, f64)>>) -> Vec<Vec<(f64, f64)>> {
    let points: usize = paths.iter().map(Vec::len).sum();
    let ends = paths
        .iter()
        .filter_map(|p| Some((p.first()?.0, p.last()?.0)));
    let (first, last) = ends.fold((f64::MAX, f64::MIN), |(a, b), (from, to)| {
        (a.min(from), b.max(to))
    });
    if points <= WHOLE || last <= first {
        return paths;
    }
    // Under one pixel of a plot less than 1 000 pixels wide.
    let unseen = (last - first) / 1_024.0;
    let mut joined: Vec<Vec<(f64, f64)>> = Vec::new();
    for path in paths.into_iter().filter(|p| !p.is_empty()) {
        match joined.last_mut() {
            Some(previous) if path[0].0 - previous[previous.len() - 1].0 < unseen => {
                previous.extend(path);
            }
            _ => joined.push(path),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_spans_its_points_and_the_row_the_line_entered_it_at() {
        let got = columns([(0, 50), (0, 10), (0, 30), (1, 40), (1, 45)]);
        assert_eq!(
            got,
            [
                Column {
                    x: 0,
                    top: 10,
                    bottom: 50,
                    last: 30
                },
                Column {
                    x: 1,
                    top: 30,
                    bottom: 45,
                    last: 45
                },
            ]
        );
    }

    #[test]
    fn columns_a_segment_crosses_get_the_rows_it_crosses_there() {
        // A flat step over four columns, then a slope down over two.
        let got = columns([(0, 20), (4, 20), (6, 40)]);
        let rows: Vec<(i32, i32, i32)> = got.iter().map(|c| (c.x, c.top, c.bottom)).collect();
        assert_eq!(
            rows,
            [
                (0, 20, 20),
                (1, 20, 20),
                (2, 20, 20),
                (3, 20, 20),
                (4, 20, 20),
                (5, 20, 30),
                (6, 30, 40)
            ]
        );
    }

    #[test]
    fn a_series_of_every_pixel_keeps_each_columns_extremes() {
        // 200 000 points over 1 000 columns, a saw-tooth of 50 rows.
        let pixels = (0..200_000).map(|i: i32| (i / 200, i % 50));
        let got = columns(pixels);
        assert_eq!(got.len(), 1_000);
        assert!(got.iter().all(|c| c.top == 0 && c.bottom == 49));
    }

    #[test]
    fn dense_lines_and_areas_draw_bars_that_show() {
        let points: Vec<(f64, f64)> = (0..WHOLE + 1)
            .map(|i| (i as f64, (i % 100) as f64))
            .collect();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (300, 200)).into_drawing_area();
            let chart = ChartBuilder::on(&root)
                .build_cartesian_2d(0.0..points.len() as f64, 0.0..100.0)
                .expect("a chart");
            draw_dense_line(&chart, &points, BLUE, 2).expect("a line");
            let fill = BLUE.mix(0.25).filled();
            draw_dense_area(&chart, &points, 0.0, fill, Some((BLUE, 1))).expect("an area");
        }
        let rects = svg.matches("<rect").count();
        // One bar a pixel column (the plot is 299 wide), for the line, the fill and the border.
        assert!(rects >= 3 * 299, "{rects} bars");
        assert!(!svg.contains("width=\"0\""), "a bar without width");
        assert!(!svg.contains("height=\"0\""), "a bar without height");
    }

    #[test]
    fn gaps_narrower_than_a_pixel_are_joined_in_long_series_only() {
        // Pieces of two points, one second apart; every hundredth gap is an hour.
        let mut at = 0.0;
        let pieces: Vec<Vec<(f64, f64)>> = (0..40_000)
            .map(|i| {
                at += if i % 100 == 0 { 3_600.0 } else { 1.0 };
                let piece = vec![(at, 1.0), (at + 1.0, 1.0)];
                at += 1.0;
                piece
            })
            .collect();
        let joined = join_unseen_gaps(pieces.clone());
        assert_eq!(joined.len(), 400, "the hour-long gaps stay");
        assert_eq!(joined.concat(), pieces.concat(), "no point lost or moved");
        let short = pieces[..100].to_vec();
        assert_eq!(join_unseen_gaps(short.clone()), short);
    }
}
