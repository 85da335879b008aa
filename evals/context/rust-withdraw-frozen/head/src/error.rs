use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum LedgerError {
    #[error("insufficient funds")]
    Insufficient,
    #[error("account is frozen")]
    Frozen,
    #[error("amount overflow")]
    Overflow,
    #[error("account {0} not found")]
    NotFound(u64),
}
