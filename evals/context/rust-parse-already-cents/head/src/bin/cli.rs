use std::env;
use std::process::ExitCode;

use ledger::amount::{self, Amount};
use ledger::store::{MemoryStore, Store};
use ledger::transfer::transfer;

fn run_transfer(store: &mut MemoryStore, args: &[String]) -> Result<(), String> {
    let [from, to, value] = args else {
        return Err("usage: ledger transfer <from> <to> <amount>".into());
    };
    let from: u64 = from.parse().map_err(|_| "bad source account")?;
    let to: u64 = to.parse().map_err(|_| "bad target account")?;
    let value = amount::parse(value).map_err(|e| e.to_string())?;
    transfer(store, from, to, value).map_err(|e| e.to_string())
}

fn run_fee(store: &mut MemoryStore, args: &[String]) -> Result<(), String> {
    let [id, value] = args else {
        return Err("usage: ledger fee <account> <amount>".into());
    };
    let id: u64 = id.parse().map_err(|_| "bad account")?;
    let cents = amount::parse(value).map_err(|e| e.to_string())?.cents() * 100;
    let mut account = store.get(id).ok_or("no such account")?;
    if account.frozen {
        return Err("account is frozen".into());
    }
    account.withdraw(Amount::from_cents(cents)).map_err(|e| e.to_string())?;
    store.put(account);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let mut store = MemoryStore::default();
    let result = match args.first().map(String::as_str) {
        Some("transfer") => run_transfer(&mut store, &args[1..]),
        Some("fee") => run_fee(&mut store, &args[1..]),
        _ => Err("usage: ledger <command>".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
