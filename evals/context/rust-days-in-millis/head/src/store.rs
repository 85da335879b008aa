use std::collections::HashMap;

use crate::account::Account;

pub trait Store {
    /// A copy of the account; changes to it are kept only once passed to `put`.
    fn get(&self, id: u64) -> Option<Account>;
    fn put(&mut self, account: Account);
}

#[derive(Default)]
pub struct MemoryStore {
    accounts: HashMap<u64, Account>,
}

impl Store for MemoryStore {
    fn get(&self, id: u64) -> Option<Account> {
        self.accounts.get(&id).cloned()
    }

    fn put(&mut self, account: Account) {
        self.accounts.insert(account.id, account);
    }
}
