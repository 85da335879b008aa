use crate::account::Account;
use crate::amount::Amount;
use crate::time;

pub struct Entry {
    pub at_secs: u64,
    pub amount: Amount,
    pub memo: String,
}

/// Entries of the last 30 days, newest first, as statement lines.
pub fn monthly_statement(account: &Account, entries: &[Entry]) -> Vec<String> {
    let since = time::now_secs().saturating_sub(time::days(30));
    let mut recent: Vec<&Entry> = entries.iter().filter(|e| e.at_secs >= since).collect();
    recent.sort_by(|a, b| b.at_secs.cmp(&a.at_secs));
    let mut lines = vec![format!("Statement for {} ({})", account.owner, account.id)];
    lines.extend(recent.iter().map(|e| format!("{:>12}  {}", e.amount, e.memo)));
    lines.push(format!("Balance: {}", account.balance));
    lines
}
