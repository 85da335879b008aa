use crate::amount::Amount;
use crate::error::LedgerError;
use crate::store::Store;

/// Moves `amount` from account `from` to account `to`.
pub fn transfer(store: &mut impl Store, from: u64, to: u64, amount: Amount) -> Result<(), LedgerError> {
    let mut source = store.get(from).ok_or(LedgerError::NotFound(from))?;
    let mut target = store.get(to).ok_or(LedgerError::NotFound(to))?;
    if source.frozen || target.frozen {
        return Err(LedgerError::Frozen);
    }
    source.withdraw(amount)?;
    target.deposit(amount)?;
    store.put(source);
    store.put(target);
    Ok(())
}
