use std::fmt;

/// An amount of money in cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(i64);

impl Amount {
    pub fn from_cents(cents: i64) -> Self {
        Amount(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        self.0.checked_add(other.0).map(Amount)
    }

    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.0.checked_sub(other.0).map(Amount)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, (self.0 % 100).abs())
    }
}

/// Parses a decimal amount: "12.50" is 1250 cents, "3" is 300 cents.
pub fn parse(text: &str) -> Result<Amount, std::num::ParseIntError> {
    let (whole, frac) = text.trim().split_once('.').unwrap_or((text.trim(), "0"));
    let frac = format!("{:0<2}", frac);
    Ok(Amount(whole.parse::<i64>()? * 100 + frac[..2].parse::<i64>()?))
}
