use crate::error::LedgerError;
use crate::store::Store;

/// Freezes an account: no transfer may touch it until it is unfrozen.
pub fn freeze(store: &mut impl Store, id: u64) -> Result<(), LedgerError> {
    let mut account = store.get(id).ok_or(LedgerError::NotFound(id))?;
    if account.frozen {
        return Ok(());
    }
    account.frozen = true;
    Ok(())
}

/// Lets transfers use the account again.
pub fn unfreeze(store: &mut impl Store, id: u64) -> Result<(), LedgerError> {
    let mut account = store.get(id).ok_or(LedgerError::NotFound(id))?;
    account.frozen = false;
    store.put(account);
    Ok(())
}
