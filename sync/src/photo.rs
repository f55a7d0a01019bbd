//! Photo evidence, the same on the phone and on the server: EXIF facts (time, position, orientation), decoding under
//! hard limits, downscaling and a 64-bit perceptual hash.

use std::io::Cursor;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// What the camera wrote about a photo.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifFacts {
    /// `DateTimeOriginal` as milliseconds since the epoch. Cameras write local time; without an `OffsetTimeOriginal`
    /// the time is taken as China Standard Time (UTC+8).
    pub taken_at_ms: Option<i64>,
    /// WGS-84 degrees, as GPS receivers report them.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// EXIF orientation 1–8; 1 (or none) means upright.
    pub orientation: Option<u8>,
}

/// Offset assumed for EXIF times that carry none.
const CHINA_STANDARD_TIME_MINUTES: i64 = 8 * 60;

impl ExifFacts {
    /// Reads the EXIF block of a JPEG (or PNG, TIFF, WebP); a photo without one has no facts.
    pub fn read(bytes: &[u8]) -> ExifFacts {
        let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
            return ExifFacts::default();
        };
        let field = |tag| exif.get_field(tag, exif::In::PRIMARY);
        let ascii = |tag| match field(tag).map(|f| &f.value) {
            Some(exif::Value::Ascii(parts)) => parts.first().cloned(),
            _ => None,
        };
        let taken_at_ms = ascii(exif::Tag::DateTimeOriginal)
            .or_else(|| ascii(exif::Tag::DateTime))
            .and_then(|raw| {
                let mut time = exif::DateTime::from_ascii(&raw).ok()?;
                if let Some(offset) = ascii(exif::Tag::OffsetTimeOriginal) {
                    let _ = time.parse_offset(&offset);
                }
                let day = chrono::NaiveDate::from_ymd_opt(
                    time.year.into(),
                    time.month.into(),
                    time.day.into(),
                )?;
                let local =
                    day.and_hms_opt(time.hour.into(), time.minute.into(), time.second.into())?;
                let offset = time
                    .offset
                    .map(i64::from)
                    .unwrap_or(CHINA_STANDARD_TIME_MINUTES);
                Some(local.and_utc().timestamp_millis() - offset * 60_000)
            });
        let coordinate = |value_tag, ref_tag, negative: u8| {
            let exif::Value::Rational(parts) = &field(value_tag)?.value else {
                return None;
            };
            if parts.len() < 3 || parts.iter().any(|p| p.denom == 0) {
                return None;
            }
            let degrees = parts[0].to_f64() + parts[1].to_f64() / 60.0 + parts[2].to_f64() / 3600.0;
            let sign = match ascii(ref_tag) {
                Some(r) if r.first() == Some(&negative) => -1.0,
                _ => 1.0,
            };
            Some(sign * degrees).filter(|d| d.is_finite())
        };
        let latitude = coordinate(exif::Tag::GPSLatitude, exif::Tag::GPSLatitudeRef, b'S')
            .filter(|l| l.abs() <= 90.0);
        let longitude = coordinate(exif::Tag::GPSLongitude, exif::Tag::GPSLongitudeRef, b'W')
            .filter(|l| l.abs() <= 180.0);
        let orientation = field(exif::Tag::Orientation)
            .and_then(|f| f.value.get_uint(0))
            .and_then(|o| u8::try_from(o).ok())
            .filter(|o| (1..=8).contains(o));
        // A position is both coordinates or none.
        let (latitude, longitude) = match (latitude, longitude) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => (None, None),
        };
        ExifFacts {
            taken_at_ms,
            latitude,
            longitude,
            orientation,
        }
    }
}

/// Hard limits on what a decoder may be asked to do, so a small file cannot claim gigabytes of pixels.
#[derive(Debug, Clone, Copy)]
pub struct DecodeLimits {
    pub max_bytes: u64,
    pub max_dimension: u32,
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self {
            max_bytes: 25 * 1024 * 1024,
            max_dimension: 12_000,
            max_pixels: 50_000_000,
        }
    }
}

/// Why a photo could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("file of {0} bytes is over the limit")]
    TooManyBytes(u64),
    #[error("{width}×{height} pixels is over the limit")]
    TooManyPixels { width: u32, height: u32 },
    #[error("not a JPEG or PNG image")]
    UnsupportedFormat,
    #[error("the image cannot be decoded: {0}")]
    Corrupt(String),
}

/// A decoded photo, upright.
pub struct Decoded {
    pub image: DynamicImage,
    pub format: ImageFormat,
    pub exif: ExifFacts,
}

impl Decoded {
    pub fn mime(&self) -> &'static str {
        self.format.to_mime_type()
    }
}

/// Decodes a JPEG or PNG, refusing before any pixel is allocated when the header claims more than the limits allow,
/// and turns it upright according to its EXIF orientation.
pub fn decode(bytes: &[u8], limits: DecodeLimits) -> Result<Decoded, DecodeError> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(DecodeError::TooManyBytes(bytes.len() as u64));
    }
    let reader = |bytes| {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| DecodeError::Corrupt(e.to_string()))
    };
    let probe = reader(bytes)?;
    let format = match probe.format() {
        Some(format @ (ImageFormat::Jpeg | ImageFormat::Png)) => format,
        _ => return Err(DecodeError::UnsupportedFormat),
    };
    // A JPEG cut short still decodes, grey where the bytes are missing: refuse it rather than keep half a photo.
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(DecodeError::Corrupt(
            "the JPEG stops before its end (truncated)".to_owned(),
        ));
    }
    let (width, height) = probe
        .into_dimensions()
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    if width > limits.max_dimension
        || height > limits.max_dimension
        || u64::from(width) * u64::from(height) > limits.max_pixels
    {
        return Err(DecodeError::TooManyPixels { width, height });
    }
    let mut decoder_limits = Limits::default();
    decoder_limits.max_image_width = Some(limits.max_dimension);
    decoder_limits.max_image_height = Some(limits.max_dimension);
    // Room for the output at four bytes a pixel plus the decoder's own buffers.
    decoder_limits.max_alloc = Some(limits.max_pixels * 4 + 64 * 1024 * 1024);
    let mut full = reader(bytes)?;
    full.limits(decoder_limits);
    let mut image = full.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => DecodeError::TooManyPixels { width, height },
        other => DecodeError::Corrupt(other.to_string()),
    })?;
    let exif = ExifFacts::read(bytes);
    if let Some(orientation) = exif.orientation.and_then(Orientation::from_exif) {
        image.apply_orientation(orientation);
    }
    Ok(Decoded {
        image,
        format,
        exif,
    })
}

/// Whether a JPEG's image data runs to its end-of-image marker. The segments before the image (EXIF and its
/// thumbnail among them) are stepped over by their lengths, so a thumbnail's own end marker does not count.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    const EOI: [u8; 2] = [0xFF, 0xD9];
    if bytes.get(..2) != Some(&[0xFF, 0xD8][..]) {
        return false;
    }
    let mut at = 2;
    loop {
        // Fill bytes (0xFF) may precede a marker.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return false;
        };
        let Some(length) = bytes
            .get(at + 2..at + 4)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        let next = at + 2 + length;
        if marker == 0xDA {
            // Start of scan: the image data follows; it must end with EOI.
            return bytes
                .get(next..)
                .is_some_and(|data| data.windows(2).any(|w| w == EOI));
        }
        if next > bytes.len() {
            return false;
        }
        at = next;
    }
}

/// The image scaled down so that its long edge is at most `long_edge` pixels (never scaled up).
pub fn fit(image: &DynamicImage, long_edge: u32) -> DynamicImage {
    if image.width().max(image.height()) <= long_edge {
        return image.clone();
    }
    image.resize(long_edge, long_edge, FilterType::Triangle)
}

/// A baseline JPEG without any metadata: what is served, and what the phone uploads.
pub fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    image
        .to_rgb8()
        .write_with_encoder(encoder)
        .map_err(|e| DecodeError::Corrupt(e.to_string()))?;
    Ok(out)
}

/// A 64-bit difference hash: the image in 9×8 grey, one bit per horizontal neighbour pair. Re-encoding, resizing or a
/// light edit moves a few bits; a different scene differs in about half of them.
pub fn perceptual_hash(image: &DynamicImage) -> u64 {
    let small = image.resize_exact(9, 8, FilterType::Triangle).to_luma8();
    let mut hash = 0u64;
    for y in 0..8 {
        for x in 0..8 {
            let left = small.get_pixel(x, y)[0];
            let right = small.get_pixel(x + 1, y)[0];
            hash = (hash << 1) | u64::from(left < right);
        }
    }
    hash
}

/// How many bits two perceptual hashes differ in.
pub fn hash_distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// The content hash by which a photo is stored and named, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(width: u32, height: u32, shift: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([
                ((x * 255 / width + shift) % 256) as u8,
                ((y * 255 / height) % 256) as u8,
                (((x + y) * 3) % 256) as u8,
            ])
        }))
    }

    #[test]
    fn reencoding_keeps_the_perceptual_hash_close() {
        let original = gradient(640, 480, 0);
        let jpeg = encode_jpeg(&fit(&original, 320), 60).expect("encodes");
        let again = decode(&jpeg, DecodeLimits::default()).expect("decodes");
        let distance = hash_distance(perceptual_hash(&original), perceptual_hash(&again.image));
        assert!(distance <= 4, "distance {distance}");
        let other = DynamicImage::ImageRgb8(image::RgbImage::from_fn(640, 480, |x, y| {
            image::Rgb([((x ^ y) % 256) as u8, ((x * y) % 256) as u8, 0])
        }));
        assert!(hash_distance(perceptual_hash(&original), perceptual_hash(&other)) > 10);
    }

    #[test]
    fn a_header_claiming_too_many_pixels_is_refused_before_decoding() {
        let jpeg = encode_jpeg(&gradient(64, 48, 0), 80).expect("encodes");
        let limits = DecodeLimits {
            max_pixels: 1000,
            ..DecodeLimits::default()
        };
        assert!(matches!(
            decode(&jpeg, limits),
            Err(DecodeError::TooManyPixels {
                width: 64,
                height: 48
            })
        ));
    }

    #[test]
    fn fit_never_scales_up_and_keeps_the_aspect() {
        let image = gradient(400, 100, 0);
        assert_eq!(fit(&image, 1600).width(), 400);
        let small = fit(&image, 200);
        assert_eq!((small.width(), small.height()), (200, 50));
    }

    #[test]
    fn exif_time_position_and_orientation_are_read_from_a_real_photo() {
        let sign = include_bytes!("../../tests/fixtures/photos/sign.jpg");
        let facts = ExifFacts::read(sign);
        // 2026-11-20 10:15:00 +08:00.
        assert_eq!(facts.taken_at_ms, Some(1_795_140_900_000));
        let (lat, lon) = (facts.latitude.expect("lat"), facts.longitude.expect("lon"));
        assert!((lat - 29.8683).abs() < 1e-4 && (lon - 121.5440).abs() < 1e-4);
        assert_eq!(facts.orientation, Some(1));

        let ledger = include_bytes!("../../tests/fixtures/photos/ledger-rotated.jpg");
        let decoded = decode(ledger, DecodeLimits::default()).expect("decodes");
        assert_eq!(decoded.exif.orientation, Some(6));
        assert_eq!((decoded.image.width(), decoded.image.height()), (600, 800));

        let bare = include_bytes!("../../tests/fixtures/photos/no-exif.jpg");
        assert_eq!(ExifFacts::read(bare), ExifFacts::default());
    }

    /// A camera photo cut short (its EXIF thumbnail whole, so that thumbnail's end marker is in the file) is refused;
    /// the whole photo, and one with bytes after its end, are not.
    #[test]
    fn a_truncated_jpeg_is_refused() {
        let sign = include_bytes!("../../tests/fixtures/photos/sign.jpg");
        assert!(decode(sign, DecodeLimits::default()).is_ok());
        for cut in [sign.len() - 2, sign.len() * 2 / 3, 400] {
            assert!(
                matches!(
                    decode(&sign[..cut], DecodeLimits::default()),
                    Err(DecodeError::Corrupt(_))
                ),
                "cut at {cut} of {}",
                sign.len()
            );
        }
        let mut trailer = sign.to_vec();
        trailer.extend_from_slice(b"vendor trailer");
        assert!(decode(&trailer, DecodeLimits::default()).is_ok());
        let plain = encode_jpeg(&gradient(64, 48, 0), 80).expect("encodes");
        assert!(decode(&plain[..plain.len() - 10], DecodeLimits::default()).is_err());
    }

    #[test]
    fn text_is_not_an_image() {
        assert!(matches!(
            decode(b"hello", DecodeLimits::default()),
            Err(DecodeError::UnsupportedFormat)
        ));
    }
}
