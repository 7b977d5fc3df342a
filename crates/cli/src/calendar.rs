//! `selfdirect bank-holidays`: keep the England and Wales bank holiday file up to date.

use anyhow::Context;
use clap::Subcommand;
use selfdirect_domain::calendar::WorkingDays;
use selfdirect_domain::dates::iso;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum BankHolidaysCommand {
    /// Merge GOV.UK's bank-holidays.json into the data file the program is built with:
    /// the years GOV.UK lists are replaced, older years kept. Rebuild to use it.
    Update {
        /// GOV.UK's file, downloaded from https://www.gov.uk/bank-holidays.json.
        #[arg(long)]
        from: PathBuf,
        /// The data file to update.
        #[arg(long, default_value = "crates/domain/data/bank-holidays-england-and-wales.json")]
        data_file: PathBuf,
    },
    /// The years the built-in calendar covers and the next bank holidays.
    Show,
}

pub fn run(command: BankHolidaysCommand) -> anyhow::Result<()> {
    match command {
        BankHolidaysCommand::Update { from, data_file } => {
            let read = |path: &PathBuf| std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()));
            let newer = WorkingDays::from_govuk_json(&read(&from)?).map_err(|e| anyhow::anyhow!("{}: {e}", from.display()))?;
            let current = WorkingDays::from_govuk_json(&read(&data_file)?).map_err(|e| anyhow::anyhow!("{}: {e}", data_file.display()))?;
            let merged = current.updated_with(&newer);
            let (first, last) = merged.span();
            std::fs::write(&data_file, merged.to_govuk_json()).with_context(|| format!("cannot write {}", data_file.display()))?;
            let (was_first, was_last) = current.span();
            println!(
                "{}: covered {} to {}, now {} to {}; rebuild selfdirect to use it",
                data_file.display(),
                iso(was_first),
                iso(was_last),
                iso(first),
                iso(last)
            );
        }
        BankHolidaysCommand::Show => {
            let calendar = WorkingDays::england_and_wales();
            let (first, last) = calendar.span();
            println!("England and Wales bank holidays, {} to {}", iso(first), iso(last));
            let mut day = time::OffsetDateTime::now_utc().date();
            let mut shown = 0;
            while shown < 5 && day < last {
                if let Some(why) = calendar.closed_because(day)?.filter(|w| !w.starts_with("a ")) {
                    println!("{}  {why}", iso(day));
                    shown += 1;
                }
                day = day.next_day().context("end of time")?;
            }
        }
    }
    Ok(())
}
