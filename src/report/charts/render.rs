//! Turning a drawing into the bytes of a file: SVG (byte-identical for the same data) or PNG,
//! at the common chart size, with the embedded font registered once. What is drawn is up to
//! the [`Drawing`]; nothing here knows about runs or studies.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
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
}

/// Draws `drawing` in `format` (at the common chart size) and returns the bytes of `file`.
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
    let (width, height) = style::SIZE;
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, style::SIZE).into_drawing_area();
                drawing.draw_on(&root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            text.push('\n');
            Ok(text.into_bytes())
        }
        Format::Png => {
            let mut pixels = vec![0u8; width as usize * height as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut pixels, style::SIZE).into_drawing_area();
                drawing.draw_on(&root).map_err(|e| failed(e.to_string()))?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            encode_png(&pixels, width, height).map_err(|e| failed(e.to_string()))
        }
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
