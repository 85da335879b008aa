use crate::amount::Amount;
use crate::error::LedgerError;
use crate::store::Store;

/// The monthly fee, in cents.
pub fn monthly_fee() -> Amount {
    Amount::from_cents(499)
}

/// Takes the monthly fee from an account.
pub fn charge_fee(store: &mut impl Store, id: u64, fee: Amount) -> Result<(), LedgerError> {
    let mut account = store.get(id).ok_or(LedgerError::NotFound(id))?;
    account.withdraw(fee)?;
    store.put(account);
    Ok(())
}
