//! The seat chart: one dot per seat on concentric half rings, filled left to right.
//!
//! Floats are used here only to place dots on the screen; the seats themselves come
//! from the tally's exact allocation.

/// One seat's place, in a unit half disc (x in -1..1, y in 0..1, y up).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeatSpot {
    /// Horizontal position.
    pub(crate) x: f64,
    /// Vertical position, up from the base line.
    pub(crate) y: f64,
}

/// The inner ring's radius (the outer one is 1).
const INNER: f64 = 0.38;

/// Positions for `seats` dots and the dot radius, ordered from the left end of the
/// half ring to the right (so consecutive seats of a party form a wedge).
pub(crate) fn layout(seats: usize) -> (Vec<SeatSpot>, f64) {
    if seats == 0 {
        return (Vec::new(), 0.0);
    }
    // the fewest rows whose rings hold every seat with dots a row gap apart
    let mut rows = 1usize;
    let (radii, gap) = loop {
        let gap = if rows == 1 {
            1.0 - INNER
        } else {
            (1.0 - INNER) / (rows - 1) as f64
        };
        let radii: Vec<f64> = (0..rows)
            .map(|row| {
                if rows == 1 {
                    1.0
                } else {
                    INNER + gap * row as f64
                }
            })
            .collect();
        let capacity: usize = radii.iter().map(|r| capacity(*r, gap)).sum();
        if capacity >= seats || rows >= 64 {
            break (radii, gap);
        }
        rows += 1;
    };

    // seats per row in proportion to the ring's length (largest remainder), capped
    // at what the ring holds
    let caps: Vec<usize> = radii.iter().map(|r| capacity(*r, gap)).collect();
    let total_radius: f64 = radii.iter().sum();
    let mut counts: Vec<usize> = radii
        .iter()
        .zip(&caps)
        .map(|(r, cap)| ((seats as f64 * r / total_radius).floor() as usize).min(*cap))
        .collect();
    let mut remaining = seats - counts.iter().sum::<usize>().min(seats);
    while remaining > 0 {
        // the outermost ring with room that is furthest below its share
        let Some(row) = (0..rows)
            .filter(|&row| counts[row] < caps[row])
            .max_by(|&a, &b| {
                let short =
                    |row: usize| seats as f64 * radii[row] / total_radius - counts[row] as f64;
                short(a).total_cmp(&short(b)).then(a.cmp(&b))
            })
        else {
            break;
        };
        counts[row] += 1;
        remaining -= 1;
    }

    let mut spots: Vec<(f64, f64, SeatSpot)> = Vec::with_capacity(seats);
    for (row, &count) in counts.iter().enumerate() {
        let radius = radii[row];
        for seat in 0..count {
            let angle = if count == 1 {
                std::f64::consts::FRAC_PI_2
            } else {
                std::f64::consts::PI * (1.0 - seat as f64 / (count - 1) as f64)
            };
            spots.push((
                angle,
                radius,
                SeatSpot {
                    x: radius * angle.cos(),
                    y: radius * angle.sin(),
                },
            ));
        }
    }
    // left to right; on one ray, inner ring first
    spots.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
    let dot = (gap * 0.42).min(0.08);
    (spots.into_iter().map(|(_, _, spot)| spot).collect(), dot)
}

/// Dots a half ring of `radius` holds with centres `gap` apart.
fn capacity(radius: f64, gap: f64) -> usize {
    (std::f64::consts::PI * radius / gap).floor() as usize + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_house_size_gets_exactly_its_seats_inside_the_half_disc() {
        for seats in [0, 1, 2, 3, 5, 13, 81, 150, 151, 200, 300, 450, 751] {
            let (spots, dot) = layout(seats);
            assert_eq!(spots.len(), seats, "{seats} seats");
            for spot in &spots {
                assert!(spot.x.abs() <= 1.0 + 1e-9 && (-1e-9..=1.0 + 1e-9).contains(&spot.y));
            }
            if seats > 0 {
                assert!(dot > 0.0);
            }
            // left to right
            for pair in spots.windows(2) {
                let angle = |s: &SeatSpot| s.y.atan2(s.x);
                assert!(angle(&pair[0]) >= angle(&pair[1]) - 1e-9);
            }
        }
    }

    #[test]
    fn dots_do_not_overlap() {
        for seats in [13, 150, 300] {
            let (spots, dot) = layout(seats);
            for (i, a) in spots.iter().enumerate() {
                for b in &spots[i + 1..] {
                    let distance = ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt();
                    assert!(distance >= 2.0 * dot * 0.99, "{seats}: {a:?} {b:?}");
                }
            }
        }
    }
}
