//! Virtual time: instants as milliseconds since the Unix epoch, durations in
//! milliseconds, and the ISO-8601 forms runbooks and scenarios write them in.
//!
//! The engine never reads a clock; every instant comes from the caller as a
//! [`SimTime`]. This module only does arithmetic and text conversion.

use std::fmt;

/// An instant: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SimTime(pub i64);

/// A length of time in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct DurationMs(pub i64);

/// Text that is not a valid ISO-8601 duration or RFC 3339 instant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeParseError(String);

impl DurationMs {
    /// Whole seconds (rounded down).
    pub fn as_seconds(self) -> i64 {
        self.0.div_euclid(1000)
    }

    /// Parse an ISO-8601 duration the way SSM (Java's `Duration.parse`) reads
    /// it: `PnDTnHnMn.nS`, optionally negative, with `W` weeks also accepted.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::DurationMs;
    /// assert_eq!(DurationMs::parse("PT10M").unwrap(), DurationMs(600_000));
    /// assert_eq!(DurationMs::parse("P1DT1.5S").unwrap(), DurationMs(86_401_500));
    /// assert_eq!(DurationMs::parse("-PT1S").unwrap(), DurationMs(-1_000));
    /// assert!(DurationMs::parse("10 minutes").is_err());
    /// assert!(DurationMs::parse("PT").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<DurationMs, TimeParseError> {
        let bad = || {
            TimeParseError(format!(
                "'{text}' is not an ISO-8601 duration such as PT10M"
            ))
        };
        let (negative, rest) = match text.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
        let (date, time) = match rest.split_once(['T', 't']) {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return Err(bad()),
            None => (rest, None),
        };
        if date.is_empty() && time.is_none() {
            return Err(bad());
        }
        let mut total: i128 = 0;
        total += sum_units(date, &[('W', 604_800_000), ('D', 86_400_000)]).ok_or_else(bad)?;
        if let Some(t) = time {
            total +=
                sum_units(t, &[('H', 3_600_000), ('M', 60_000), ('S', 1000)]).ok_or_else(bad)?;
        }
        let total = if negative { -total } else { total };
        i64::try_from(total).map(DurationMs).map_err(|_| bad())
    }

    /// ISO-8601 form, e.g. `PT1H30M`.
    ///
    /// ```
    /// use ssm_runbook_engine::clock::DurationMs;
    /// assert_eq!(DurationMs(5_400_000).to_iso(), "PT1H30M");
    /// assert_eq!(DurationMs(0).to_iso(), "PT0S");
    /// assert_eq!(DurationMs(1_500).to_iso(), "PT1.5S");
    /// ```
    pub fn to_iso(self) -> String {
        let mut ms = self.0.unsigned_abs();
        let sign = if self.0 < 0 { "-" } else { "" };
        let (h, m) = (ms / 3_600_000, (ms / 60_000) % 60);
        ms %= 60_000;
        let mut out = format!("{sign}PT");
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if ms > 0 || (h == 0 && m == 0) {
            let (s, frac) = (ms / 1000, ms % 1000);
            if frac == 0 {
                out.push_str(&format!("{s}S"));
            } else {
                let f = format!("{frac:03}");
                out.push_str(&format!("{s}.{}S", f.trim_end_matches('0')));
            }
        }
        out
    }
}

/// Sum `<number><unit>` groups in the given unit order; fractions only on
/// the last unit (seconds).
fn sum_units(mut text: &str, units: &[(char, i128)]) -> Option<i128> {
    let mut total = 0i128;
    let mut next_unit = 0;
    while !text.is_empty() {
        let end = text.find(|c: char| c.is_ascii_alphabetic())?;
        let (number, rest) = text.split_at(end);
        let unit = rest.chars().next()?.to_ascii_uppercase();
        let position = units.iter().position(|(u, _)| *u == unit)?;
        if position < next_unit || number.is_empty() {
            return None;
        }
        next_unit = position + 1;
        let scale = units[position].1;
        total += match number.split_once(['.', ',']) {
            Some((whole, frac)) if unit == 'S' && !frac.is_empty() && frac.len() <= 9 => {
                let whole: i128 = if whole.is_empty() {
                    0
                } else {
                    whole.parse().ok()?
                };
                let frac_ms: i128 = format!("{frac:0<3}")[..3].parse().ok()?;
                whole * scale + frac_ms
            }
            Some(_) => return None,
            None => number.parse::<i128>().ok()?.checked_mul(scale)?,
        };
        text = &rest[1..];
    }
    Some(total)
}

impl SimTime {
    /// The instant `d` later.
    pub fn plus(self, d: DurationMs) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }

    /// Parse an RFC 3339 instant (`2020-01-01T01:00:00Z`, offsets and
    /// fractional seconds allowed).
    ///
    /// ```
    /// use ssm_runbook_engine::clock::SimTime;
    /// assert_eq!(SimTime::parse_rfc3339("1970-01-01T00:00:01Z").unwrap(), SimTime(1000));
    /// assert_eq!(SimTime::parse_rfc3339("2017-07-31T00:00:00Z").unwrap().to_rfc3339(),
    ///            "2017-07-31T00:00:00Z");
    /// assert_eq!(SimTime::parse_rfc3339("1970-01-01T01:00:00+01:00").unwrap(), SimTime(0));
    /// assert!(SimTime::parse_rfc3339("yesterday").is_err());
    /// ```
    pub fn parse_rfc3339(text: &str) -> Result<SimTime, TimeParseError> {
        let bad = || {
            TimeParseError(format!(
                "'{text}' is not an RFC 3339 time such as 2020-01-01T01:00:00Z"
            ))
        };
        let b = text.as_bytes();
        if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
            return Err(bad());
        }
        if b[13] != b':' || b[16] != b':' {
            return Err(bad());
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = text.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())
                .flatten()
        };
        let (y, mo, d) = (
            num(0..4).ok_or_else(bad)?,
            num(5..7).ok_or_else(bad)?,
            num(8..10).ok_or_else(bad)?,
        );
        let (h, mi, s) = (
            num(11..13).ok_or_else(bad)?,
            num(14..16).ok_or_else(bad)?,
            num(17..19).ok_or_else(bad)?,
        );
        if !(1..=12).contains(&mo)
            || d < 1
            || d > days_in_month(y, mo)
            || h > 23
            || mi > 59
            || s > 60
        {
            return Err(bad());
        }
        let mut rest = &text[19..];
        let mut ms = 0;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            ms = format!("{:0<3}", &frac[..digits.min(3)])
                .parse::<i64>()
                .map_err(|_| bad())?;
            rest = &frac[digits..];
        }
        let offset_minutes = match rest {
            "Z" | "z" => 0,
            _ if rest.len() == 6
                && matches!(rest.as_bytes()[0], b'+' | b'-')
                && rest.as_bytes()[3] == b':' =>
            {
                let oh = num(text.len() - 5..text.len() - 3).ok_or_else(bad)?;
                let om = num(text.len() - 2..text.len()).ok_or_else(bad)?;
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                sign * (oh * 60 + om)
            }
            _ => return Err(bad()),
        };
        let days = days_from_civil(y, mo, d);
        let seconds = days * 86_400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
        Ok(SimTime(seconds * 1000 + ms))
    }

    /// RFC 3339 in UTC with milliseconds when non-zero.
    pub fn to_rfc3339(self) -> String {
        let (days, ms_of_day) = (self.0.div_euclid(86_400_000), self.0.rem_euclid(86_400_000));
        let (y, m, d) = civil_from_days(days);
        let secs = ms_of_day / 1000;
        let (h, mi, s, ms) = (secs / 3600, (secs / 60) % 60, secs % 60, ms_of_day % 1000);
        if !(0..=9999).contains(&y) {
            return if ms == 0 {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
            };
        }
        // The common case without the formatting machinery (approval
        // decisions stamp every signal with one of these).
        let mut out = String::with_capacity(24);
        push_digits(&mut out, y, 4);
        for (value, before) in [(m, '-'), (d, '-'), (h, 'T'), (mi, ':'), (s, ':')] {
            out.push(before);
            push_digits(&mut out, value, 2);
        }
        if ms != 0 {
            out.push('.');
            push_digits(&mut out, ms, 3);
        }
        out.push('Z');
        out
    }

    /// Seconds since the epoch with a fraction, as the AWS JSON protocol sends timestamps.
    pub fn epoch_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// The UTC calendar fields `(year, month, day, hour, minute, second)`.
    pub fn civil(self) -> (i64, i64, i64, i64, i64, i64) {
        let (days, ms_of_day) = (self.0.div_euclid(86_400_000), self.0.rem_euclid(86_400_000));
        let (y, m, d) = civil_from_days(days);
        let secs = ms_of_day / 1000;
        (y, m, d, secs / 3600, (secs / 60) % 60, secs % 60)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Append the last `width` decimal digits of `value` (0 or more), zero-padded.
fn push_digits(out: &mut String, value: i64, width: u32) {
    for p in (0..width).rev() {
        let digit = (value / 10_i64.pow(p)).rem_euclid(10);
        out.push(char::from(b'0' + digit as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_digits_match_the_formatter() {
        let reference = |t: SimTime| {
            let (days, ms_of_day) = (t.0.div_euclid(86_400_000), t.0.rem_euclid(86_400_000));
            let (y, m, d) = civil_from_days(days);
            let secs = ms_of_day / 1000;
            let (h, mi, s, ms) = (secs / 3600, (secs / 60) % 60, secs % 60, ms_of_day % 1000);
            if ms == 0 {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
            } else {
                format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z")
            }
        };
        let mut t = -62_135_596_800_000_i64; // 0001-01-01
        while t < 253_402_300_799_000 {
            for ms in [0, 7, 999] {
                let at = SimTime(t + ms);
                assert_eq!(at.to_rfc3339(), reference(at));
            }
            t += 86_400_000 * 97 + 3_661_000;
        }
        assert_eq!(SimTime(0).to_rfc3339(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn round_trip_dates() {
        for ms in [0i64, 951_782_400_000, 1_501_459_200_123, -86_400_000] {
            let t = SimTime(ms);
            assert_eq!(SimTime::parse_rfc3339(&t.to_rfc3339()).unwrap(), t);
        }
    }

    #[test]
    fn durations_reject_out_of_order_units() {
        assert!(DurationMs::parse("PT1S2M").is_err());
        assert!(DurationMs::parse("P1Y").is_err());
        assert_eq!(DurationMs::parse("P1W").unwrap(), DurationMs(604_800_000));
    }
}
