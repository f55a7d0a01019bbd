//! Distances on the globe and the GCJ-02 datum of Chinese web maps.
//!
//! Phones' GPS reports WGS-84. Maps published in China (高德, 腾讯) use GCJ-02, which shifts positions by a few
//! hundred metres; comparing the two without converting raises false "photo taken elsewhere" flags. The conversion
//! follows the published GCJ-02 formulas (Krasovsky 1940 ellipsoid); inside China it is exact to a few metres.

/// Mean Earth radius in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;
const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;

/// A WGS-84 position in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wgs84 {
    pub lat: f64,
    pub lon: f64,
}

/// Great-circle distance in metres.
pub fn distance_m(a: Wgs84, b: Wgs84) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.lon - a.lon).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// GCJ-02 only shifts positions inside (roughly) mainland China.
fn outside_china(lat: f64, lon: f64) -> bool {
    !(72.004..=137.8347).contains(&lon) || !(0.8293..=55.8271).contains(&lat)
}

fn shift(lat: f64, lon: f64) -> (f64, f64) {
    let (x, y) = (lon - 105.0, lat - 35.0);
    let pi = std::f64::consts::PI;
    let mut d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    d_lat += (20.0 * (6.0 * x * pi).sin() + 20.0 * (2.0 * x * pi).sin()) * 2.0 / 3.0;
    d_lat += (20.0 * (y * pi).sin() + 40.0 * (y / 3.0 * pi).sin()) * 2.0 / 3.0;
    d_lat += (160.0 * (y / 12.0 * pi).sin() + 320.0 * (y * pi / 30.0).sin()) * 2.0 / 3.0;
    let mut d_lon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    d_lon += (20.0 * (6.0 * x * pi).sin() + 20.0 * (2.0 * x * pi).sin()) * 2.0 / 3.0;
    d_lon += (20.0 * (x * pi).sin() + 40.0 * (x / 3.0 * pi).sin()) * 2.0 / 3.0;
    d_lon += (150.0 * (x / 12.0 * pi).sin() + 300.0 * (x / 30.0 * pi).sin()) * 2.0 / 3.0;
    let rad_lat = lat.to_radians();
    let magic = 1.0 - KRASOVSKY_EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat =
        (d_lat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * pi);
    let d_lon = (d_lon * 180.0) / (KRASOVSKY_A / sqrt_magic * rad_lat.cos() * pi);
    (d_lat, d_lon)
}

/// WGS-84 → GCJ-02.
pub fn to_gcj02(position: Wgs84) -> (f64, f64) {
    if outside_china(position.lat, position.lon) {
        return (position.lat, position.lon);
    }
    let (d_lat, d_lon) = shift(position.lat, position.lon);
    (position.lat + d_lat, position.lon + d_lon)
}

/// GCJ-02 → WGS-84, by refining the inverse until the forward shift lands on the given point (under a millimetre
/// after a few rounds).
pub fn from_gcj02(lat: f64, lon: f64) -> Wgs84 {
    if outside_china(lat, lon) {
        return Wgs84 { lat, lon };
    }
    let mut guess = Wgs84 { lat, lon };
    for _ in 0..10 {
        let (g_lat, g_lon) = to_gcj02(guess);
        let (e_lat, e_lon) = (g_lat - lat, g_lon - lon);
        guess.lat -= e_lat;
        guess.lon -= e_lon;
        if e_lat.abs() < 1e-9 && e_lon.abs() < 1e-9 {
            break;
        }
    }
    guess
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_between_ningbo_and_hangzhou() {
        let ningbo = Wgs84 {
            lat: 29.8683,
            lon: 121.5440,
        };
        let hangzhou = Wgs84 {
            lat: 30.2741,
            lon: 120.1551,
        };
        let d = distance_m(ningbo, hangzhou);
        assert!((140_000.0..145_000.0).contains(&d), "{d}");
        assert!(distance_m(ningbo, ningbo) < 1e-6);
    }

    #[test]
    fn gcj02_shifts_by_hundreds_of_metres_and_converts_back() {
        let wgs = Wgs84 {
            lat: 29.8683,
            lon: 121.5440,
        };
        let (lat, lon) = to_gcj02(wgs);
        let shifted = distance_m(wgs, Wgs84 { lat, lon });
        assert!((200.0..800.0).contains(&shifted), "{shifted}");
        let back = from_gcj02(lat, lon);
        assert!(distance_m(wgs, back) < 0.01);
    }

    #[test]
    fn no_shift_outside_china() {
        let paris = Wgs84 {
            lat: 48.8566,
            lon: 2.3522,
        };
        assert_eq!(to_gcj02(paris), (paris.lat, paris.lon));
    }
}
