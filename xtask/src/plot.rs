//! PNG line charts for the fleet simulation, drawn with plotters.
//!
//! Why this shape: plotters' own text path wants fontconfig (the `ttf`
//! feature) and its PNG path wants the whole `image` crate. We draw into an
//! RGB buffer with the bitmap backend, take the glyphs from DejaVu Sans
//! bundled by the `dejavu` crate (through plotters' `ab_glyph` feature), and
//! encode the buffer with `png`. A fresh machine needs no system fonts.

use plotters::backend::RGBPixel;
use plotters::coord::combinators::IntoLogRange;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

const SIZE: (u32, u32) = (1280, 720);

/// One line: its name in the legend and one value per second.
pub(crate) struct Series<'a> {
    pub(crate) name: &'a str,
    pub(crate) per_second: &'a [u64],
}

/// How the y axis is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scale {
    /// Linear from 0.
    Linear,
    /// Logarithmic from 1; a second with no calls is drawn at 1.
    Log,
}

/// A chart of calls per second over `seconds`, one line per series, with a
/// shaded band for the outage (`shade` seconds, if any).
pub(crate) struct Chart<'a> {
    pub(crate) title: &'a str,
    pub(crate) seconds: std::ops::Range<usize>,
    pub(crate) shade: Option<std::ops::Range<usize>>,
    pub(crate) scale: Scale,
    pub(crate) series: &'a [Series<'a>],
}

fn register_font() {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        // The bytes are DejaVu Sans, a valid TrueType font; a failure here
        // would only leave the chart without text, which the drawing
        // below reports as an error.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

type Canvas<'a> = DrawingArea<BitMapBackend<'a, RGBPixel>, plotters::coord::Shift>;

/// A white canvas of [`SIZE`] for `paint`, written to `path` as a PNG.
fn render(
    path: &Path,
    paint: impl FnOnce(&Canvas<'_>) -> Result<(), String>,
) -> Result<(), String> {
    register_font();
    let (w, h) = SIZE;
    let mut buf = vec![255u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::<RGBPixel>::with_buffer_and_format(&mut buf, SIZE)
            .map_err(|e| e.to_string())?
            .into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        paint(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    encode(path, &buf, SIZE)
}

/// Draw `chart` and write it as a PNG to `path`.
pub(crate) fn write_png(path: &Path, chart: &Chart<'_>) -> Result<(), String> {
    render(path, |root| {
        let top = chart
            .series
            .iter()
            .flat_map(|s| s.per_second.get(chart.seconds.clone()).unwrap_or(&[]))
            .copied()
            .max()
            .unwrap_or(1)
            .max(1);
        let x = chart.seconds.start as f64..chart.seconds.end as f64;
        match chart.scale {
            Scale::Linear => draw(root, chart, x, 0.0..top as f64 * 1.1),
            Scale::Log => draw(root, chart, x, (1.0..top as f64 * 2.0).log_scale()),
        }
    })
}

fn draw<Y>(
    root: &Canvas<'_>,
    chart: &Chart<'_>,
    x: std::ops::Range<f64>,
    y: Y,
) -> Result<(), String>
where
    Y: plotters::coord::ranged1d::AsRangedCoord<Value = f64>,
    Y::CoordDescType: plotters::coord::ranged1d::ValueFormatter<f64>,
{
    let mut ctx = ChartBuilder::on(root)
        .caption(chart.title, ("sans-serif", 26))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(x, y)
        .map_err(|e| e.to_string())?;
    if let Some(band) = &chart.shade {
        let std::ops::Range { start: lo, end: hi } = ctx.y_range();
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(band.start as f64, lo), (band.end as f64, hi)],
            RGBColor(250, 228, 228).filled(),
        )))
        .map_err(|e| e.to_string())?
        .label("outage")
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                RGBColor(250, 228, 228).filled(),
            )
        });
    }
    // The grid goes over the band and under the lines.
    ctx.configure_mesh()
        .x_desc("seconds")
        .y_desc("calls per second the service received")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 18))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, s) in chart.series.iter().enumerate() {
        let colour = Palette99::pick(i).to_rgba();
        let points = chart.seconds.clone().filter_map(|sec| {
            s.per_second
                .get(sec)
                .map(|&v| (sec as f64, v.max(1) as f64))
        });
        ctx.draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(s.name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(3)));
    }
    ctx.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()
        .map_err(|e| e.to_string())
}

/// One labelled point of a trade-off chart.
pub(crate) struct Dot<'a> {
    pub(crate) label: &'a str,
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// A trade-off chart: labelled points, x on a log scale, and the goal's
/// corner (`x` at most `goal.0`, `y` at most `goal.1`) shaded.
pub(crate) struct Scatter<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_desc: &'a str,
    pub(crate) y_desc: &'a str,
    pub(crate) dots: &'a [Dot<'a>],
    pub(crate) goal: (f64, f64),
}

/// Draw `chart` and write it as a PNG to `path`.
pub(crate) fn write_scatter(path: &Path, chart: &Scatter<'_>) -> Result<(), String> {
    render(path, |root| {
        let xs = chart.dots.iter().map(|d| d.x.max(1e-3));
        let x_hi = xs.clone().fold(chart.goal.0, f64::max) * 2.0;
        let x_lo = xs.fold(chart.goal.0, f64::min) / 2.0;
        let y_hi = chart.dots.iter().map(|d| d.y).fold(chart.goal.1, f64::max) * 1.1;
        let mut ctx = ChartBuilder::on(root)
            .caption(chart.title, ("sans-serif", 26))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(80)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), 0.0..y_hi)
            .map_err(|e| e.to_string())?;
        ctx.draw_series(std::iter::once(Rectangle::new(
            [(x_lo, 0.0), (chart.goal.0, chart.goal.1)],
            RGBColor(220, 245, 220).filled(),
        )))
        .map_err(|e| e.to_string())?;
        ctx.configure_mesh()
            .x_desc(chart.x_desc)
            .y_desc(chart.y_desc)
            .x_label_formatter(&|v| format!("{v:.3}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, d) in chart.dots.iter().enumerate() {
            let colour = Palette99::pick(i).to_rgba();
            ctx.draw_series(std::iter::once(Circle::new(
                (d.x.max(1e-3), d.y),
                6,
                colour.filled(),
            )))
            .map_err(|e| e.to_string())?;
            ctx.draw_series(std::iter::once(Text::new(
                d.label.to_owned(),
                (d.x.max(1e-3), d.y),
                ("sans-serif", 13),
            )))
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

fn encode(path: &Path, rgb: &[u8], (w, h): (u32, u32)) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_a_png_with_lines_and_text() {
        let dir = std::env::temp_dir().join(format!("strands-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("chart.png");
        let a: Vec<u64> = (0..60).map(|s| if s < 30 { 1000 } else { 10 }).collect();
        let b: Vec<u64> = (0..60).map(|s| 1 + s * 20).collect();
        for scale in [Scale::Linear, Scale::Log] {
            write_png(
                &path,
                &Chart {
                    title: "test",
                    seconds: 0..60,
                    shade: Some(10..20),
                    scale,
                    series: &[
                        Series {
                            name: "a",
                            per_second: &a,
                        },
                        Series {
                            name: "b",
                            per_second: &b,
                        },
                    ],
                },
            )
            .unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(&bytes[1..4], b"PNG");
            let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
            let mut reader = decoder.read_info().unwrap();
            let mut img = vec![0; reader.output_buffer_size().unwrap()];
            reader.next_frame(&mut img).unwrap();
            assert_eq!((reader.info().width, reader.info().height), SIZE);
            // Not a blank page: lines, the shaded band and dark text pixels.
            let colours: std::collections::HashSet<&[u8]> = img.chunks(3).collect();
            assert!(colours.len() > 20, "{} colours", colours.len());
            assert!(
                img.chunks(3).any(|p| p == [250, 228, 228]),
                "no outage band"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_scatter_is_a_png_with_the_goal_corner() {
        let dir = std::env::temp_dir().join(format!("strands-scatter-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("scatter.png");
        let dots = [
            Dot {
                label: "a",
                x: 0.05,
                y: 10.0,
            },
            Dot {
                label: "b",
                x: 1.2,
                y: 0.0,
            },
        ];
        write_scatter(
            &path,
            &Scatter {
                title: "t",
                x_desc: "x",
                y_desc: "y",
                dots: &dots,
                goal: (0.1, 15.0),
            },
        )
        .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut img = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut img).unwrap();
        assert!(
            img.chunks(3).any(|p| p == [220, 245, 220]),
            "no goal corner"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
