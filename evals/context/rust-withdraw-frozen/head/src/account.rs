use crate::amount::Amount;
use crate::error::LedgerError;

#[derive(Clone, Debug)]
pub struct Account {
    pub id: u64,
    pub owner: String,
    pub balance: Amount,
    pub frozen: bool,
}

impl Account {
    /// Takes `amount` from the balance. It does not look at `frozen`: callers check that first.
    pub fn withdraw(&mut self, amount: Amount) -> Result<(), LedgerError> {
        if amount > self.balance {
            return Err(LedgerError::Insufficient);
        }
        self.balance = self.balance.checked_sub(amount).ok_or(LedgerError::Overflow)?;
        Ok(())
    }

    pub fn deposit(&mut self, amount: Amount) -> Result<(), LedgerError> {
        self.balance = self.balance.checked_add(amount).ok_or(LedgerError::Overflow)?;
        Ok(())
    }
}
