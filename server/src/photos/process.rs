//! What the server makes of a completed upload: the photo decoded under hard limits, its EXIF facts, a perceptual
//! hash, and the forms it is served in — all without metadata.

use hezuo_sync::photo::{self, DecodeError, DecodeLimits, ExifFacts};

use super::blobs::Variant;

/// Long edges of the thumbnails.
const LARGE_EDGE: u32 = 1280;
const SMALL_EDGE: u32 = 320;
const THUMBNAIL_QUALITY: u8 = 82;
/// Quality of a full image that had to be re-encoded (turned upright, or a PNG).
const FULL_QUALITY: u8 = 90;

pub struct Processed {
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub exif: ExifFacts,
    pub perceptual_hash: u64,
    pub variants: Vec<(Variant, Vec<u8>)>,
}

/// Decodes and derives everything; CPU-bound, so callers run it on the blocking pool.
pub fn process(bytes: &[u8], limits: DecodeLimits) -> Result<Processed, DecodeError> {
    let decoded = photo::decode(bytes, limits)?;
    let image = &decoded.image;
    let upright = decoded.exif.orientation.unwrap_or(1) == 1;
    let full = match (decoded.format, upright) {
        (image::ImageFormat::Jpeg, true) => strip_jpeg_metadata(bytes)
            .map_or_else(|| photo::encode_jpeg(image, FULL_QUALITY), Ok)?,
        _ => photo::encode_jpeg(image, FULL_QUALITY)?,
    };
    let variants = vec![
        (Variant::Full, full),
        (
            Variant::Large,
            photo::encode_jpeg(&photo::fit(image, LARGE_EDGE), THUMBNAIL_QUALITY)?,
        ),
        (
            Variant::Small,
            photo::encode_jpeg(&photo::fit(image, SMALL_EDGE), THUMBNAIL_QUALITY)?,
        ),
    ];
    Ok(Processed {
        mime: decoded.mime(),
        width: image.width(),
        height: image.height(),
        perceptual_hash: photo::perceptual_hash(image),
        exif: decoded.exif,
        variants,
    })
}

/// The JPEG without its metadata segments (EXIF, XMP, IPTC, comments), every image byte untouched. APP0 (JFIF) and
/// APP14 (Adobe) stay: decoders need them to get the colours right. `None` for anything not laid out as expected.
pub fn strip_jpeg_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    const SOI: u8 = 0xD8;
    const SOS: u8 = 0xDA;
    const COM: u8 = 0xFE;
    if bytes.get(..2)? != [0xFF, SOI] {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        if marker == 0xFF {
            // Fill byte.
            at += 1;
            continue;
        }
        if marker == SOS {
            out.extend_from_slice(&bytes[at..]);
            return Some(out);
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let end = at + 2 + length;
        let segment = bytes.get(at..end)?;
        let metadata = matches!(marker, 0xE1..=0xED | 0xEF | COM);
        if !metadata {
            out.extend_from_slice(segment);
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGN: &[u8] = include_bytes!("../../../tests/fixtures/photos/sign.jpg");

    #[test]
    fn served_forms_carry_no_exif() {
        let processed = process(SIGN, DecodeLimits::default()).expect("processes");
        assert!(ExifFacts::read(SIGN).latitude.is_some());
        for (variant, bytes) in &processed.variants {
            assert_eq!(ExifFacts::read(bytes), ExifFacts::default(), "{variant:?}");
            assert!(photo::decode(bytes, DecodeLimits::default()).is_ok());
        }
        let full = &processed.variants[0].1;
        assert!(full.len() < SIGN.len(), "only metadata was removed");
        assert_eq!((processed.width, processed.height), (1024, 768));
    }

    #[test]
    fn garbage_is_not_stripped() {
        assert!(strip_jpeg_metadata(b"not a jpeg").is_none());
        assert!(strip_jpeg_metadata(&[0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF]).is_none());
    }
}
