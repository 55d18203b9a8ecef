//! Writing laid-out pages as a PDF with krilla: every page but the cover gets the page header
//! (report number, unit, standard), every page the footer with "x / y".

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;
use krilla::Document;

use super::flow::{Op, Rgb, GREY, MARGIN_X, PAGE_HEIGHT, PAGE_WIDTH};
use super::font::ReportFont;

/// What every page repeats.
pub(super) struct Furniture {
    /// Header text, left (the report number).
    pub(super) left: String,
    /// Header text, right (vendor, model, standard).
    pub(super) right: String,
    /// Document title (PDF metadata).
    pub(super) title: String,
}

/// The PDF bytes of `pages`; `Err` says what krilla could not write.
pub(super) fn render(
    pages: &[Vec<Op>],
    font: &ReportFont,
    furniture: &Furniture,
) -> Result<Vec<u8>, String> {
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(furniture.title.clone())
            .creator(format!("facebench {}", env!("CARGO_PKG_VERSION"))),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or("bad page size")?;
    let total = pages.len();
    for (index, ops) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, font, op)?;
        }
        for op in furniture_ops(furniture, font, index, total) {
            draw(&mut surface, font, &op)?;
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

/// Header (not on the cover) and footer of page `index` of `total`.
fn furniture_ops(furniture: &Furniture, font: &ReportFont, index: usize, total: usize) -> Vec<Op> {
    let size = 7.5;
    let right_edge = PAGE_WIDTH - MARGIN_X;
    let number = format!("{} / {total}", index + 1);
    let mut ops = vec![
        Op::Text {
            x: MARGIN_X,
            y: PAGE_HEIGHT - 30.0,
            size,
            text: furniture.left.clone(),
            colour: GREY,
        },
        Op::Text {
            x: right_edge - font.width(&number, size),
            y: PAGE_HEIGHT - 30.0,
            size,
            text: number,
            colour: GREY,
        },
    ];
    if index > 0 {
        ops.push(Op::Text {
            x: MARGIN_X,
            y: 36.0,
            size,
            text: furniture.left.clone(),
            colour: GREY,
        });
        ops.push(Op::Text {
            x: right_edge - font.width(&furniture.right, size),
            y: 36.0,
            size,
            text: furniture.right.clone(),
            colour: GREY,
        });
        ops.push(Op::Line {
            x1: MARGIN_X,
            y1: 42.0,
            x2: right_edge,
            y2: 42.0,
            width: 0.4,
            colour: GREY,
        });
    }
    ops
}

fn colour((r, g, b): Rgb) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn draw(surface: &mut Surface<'_>, font: &ReportFont, op: &Op) -> Result<(), String> {
    match op {
        Op::Text {
            x,
            y,
            size,
            text,
            colour: ink,
        } => {
            if text.trim().is_empty() {
                return Ok(());
            }
            surface.set_fill(Some(Fill {
                paint: colour(*ink).into(),
                ..Fill::default()
            }));
            surface.set_stroke(None);
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.face.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Fill {
            x,
            y,
            w,
            h,
            colour: fill,
        } => {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                path.push_rect(rect);
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(Fill {
                    paint: colour(*fill).into(),
                    ..Fill::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            colour: ink,
        } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    paint: colour(*ink).into(),
                    width: *width,
                    ..Stroke::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Image { x, y, w, h, png } => {
            let image = Image::from_png(png.as_ref().clone().into(), true)?;
            let size = Size::from_wh(*w, *h).ok_or("image of no size")?;
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image, size);
            surface.pop();
        }
    }
    Ok(())
}
