pub mod account;
pub mod amount;
pub mod error;
pub mod report;
pub mod store;
pub mod time;
pub mod transfer;
