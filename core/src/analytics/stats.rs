//! Small statistics over `f64` samples. Transcendental functions come from `libm`, so native
//! and WebAssembly builds produce bit-identical figures.

/// Arithmetic mean; 0 for an empty sample.
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// Sample standard deviation (n − 1); 0 when n < 2.
pub fn sample_std(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    (ss / (xs.len() - 1) as f64).sqrt()
}

/// Median; 0 for an empty sample.
pub fn median(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    crate::sort::sort_by(&mut v, |a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median absolute deviation from the median.
pub fn mad(xs: &[f64]) -> f64 {
    let m = median(xs);
    let dev: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    median(&dev)
}

/// Least-squares line `y = intercept + slope·x`; slope 0 and intercept = mean when the xs do
/// not vary (n < 2).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Line {
    /// Change of y per unit of x.
    pub slope: f64,
    /// y at x = 0 (held as y at `x_mean` for precision).
    pub y_mean: f64,
    /// The mean of the xs.
    pub x_mean: f64,
}

impl Line {
    /// The fitted value at `x`.
    pub fn at(&self, x: f64) -> f64 {
        self.y_mean + self.slope * (x - self.x_mean)
    }
}

/// Fits a least-squares line through `(x, y)` points.
pub fn least_squares(points: &[(f64, f64)]) -> Line {
    let n = points.len();
    if n == 0 {
        return Line {
            slope: 0.0,
            y_mean: 0.0,
            x_mean: 0.0,
        };
    }
    let x_mean = points.iter().map(|p| p.0).sum::<f64>() / n as f64;
    let y_mean = points.iter().map(|p| p.1).sum::<f64>() / n as f64;
    let mut sxy = 0.0;
    let mut sxx = 0.0;
    for &(x, y) in points {
        sxy += (x - x_mean) * (y - y_mean);
        sxx += (x - x_mean) * (x - x_mean);
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    Line {
        slope,
        y_mean,
        x_mean,
    }
}

/// Standard normal cumulative distribution Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The z of a two-sided 80 % band (Φ⁻¹(0.9)).
pub const Z80: f64 = 1.281_551_565_544_600_4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basics() {
        assert_eq!(mean(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert!(
            (sample_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]) - 2.138089935299395).abs()
                < 1e-12
        );
        assert_eq!(sample_std(&[5.0]), 0.0);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(mad(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]), 1.0);
        let l = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]);
        assert!((l.slope - 2.0).abs() < 1e-12 && (l.at(0.0) - 1.0).abs() < 1e-12);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((normal_cdf(1.959963984540054) - 0.975).abs() < 1e-12);
        assert!((normal_cdf(Z80) - 0.9).abs() < 1e-12);
    }
}
