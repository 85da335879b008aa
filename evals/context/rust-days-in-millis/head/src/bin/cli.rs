use std::env;
use std::process::ExitCode;

use ledger::amount;
use ledger::store::MemoryStore;
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

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let mut store = MemoryStore::default();
    let result = match args.first().map(String::as_str) {
        Some("transfer") => run_transfer(&mut store, &args[1..]),
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
