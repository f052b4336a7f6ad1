//! `journey-attribution athena setup`: the Glue database and events table the report's
//! query reads (`report --athena`), over the prefix Firehose writes to, and (with
//! `--exposures-location`) the exposure log's table lift reads. Idempotent: the database is
//! created when missing, each table created or brought up to date.

pub mod query;

use std::error::Error;

use aws_sdk_glue::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_glue::types::{Column, DatabaseInput, SerDeInfo, StorageDescriptor, TableInput};
use journey_attribution_aws::config::sdk_config_with;
use journey_attribution_aws::error::sdk_message;
use journey_attribution_report::sql::lift::ExposureTable;
use journey_attribution_report::sql::{self, GlueTable, INPUT_FORMAT, OUTPUT_FORMAT, SERDE};

/// The database and table `athena setup` creates and `report --athena` reads by default.
pub const DEFAULT_DATABASE: &str = "journey_attribution";
pub const DEFAULT_TABLE: &str = "events";
/// The exposure log's table `athena setup --exposures-location` creates.
pub const DEFAULT_EXPOSURES_TABLE: &str = "exposures";

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create (or bring up to date) the Glue database and the events table over the
    /// Firehose prefix: JSON SerDe, plain or gzip, partition projection on YYYY/MM/DD/HH.
    Setup(SetupArgs),
}

#[derive(Debug, clap::Args)]
pub struct SetupArgs {
    /// Where Firehose writes the events: `s3://bucket/prefix/` (the `YYYY/MM/DD/HH/`
    /// prefixes are under it).
    #[arg(long, value_name = "s3://BUCKET/PREFIX/")]
    pub location: String,
    #[arg(long, default_value = DEFAULT_DATABASE)]
    pub database: String,
    #[arg(long, default_value = DEFAULT_TABLE)]
    pub table: String,
    /// The event metric the report sums as revenue: a column of the table (`metrics.<name>`
    /// for nested data, `<name>` for flat data).
    #[arg(long, value_name = "NAME", default_value = "revenue")]
    pub revenue_metric: String,
    /// The first hour the projection covers (`YYYY/MM/DD/HH`); it runs to NOW.
    #[arg(long, value_name = "YYYY/MM/DD/HH", default_value = "2024/01/01/00")]
    pub since: String,
    /// The event attribute holding the user id of the exposure log (`report
    /// --user-attribute`): a column besides `user_id`, under `attributes` and at the top level.
    #[arg(long, value_name = "NAME", default_value = "user_id")]
    pub user_attribute: String,
    /// Where the exposure log of holdout tests is written (`holdout split --exposures`):
    /// `s3://bucket/prefix/`; creates the table `report --athena --exposures` reads.
    #[arg(long, value_name = "s3://BUCKET/PREFIX/")]
    pub exposures_location: Option<String>,
    /// The exposure log's table.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_EXPOSURES_TABLE, requires = "exposures_location")]
    pub exposures_table: String,
    /// Print the table as Glue's TableInput JSON (`aws glue create-table --table-input`)
    /// instead of calling AWS; with `--exposures-location`, a JSON array of both tables.
    #[arg(long)]
    pub print: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Spec(#[from] sql::SqlError),
    #[error(
        "glue {operation} {name}: access denied (setup needs glue:CreateDatabase, \
         glue:GetTable, glue:CreateTable and glue:UpdateTable)"
    )]
    AccessDenied {
        operation: &'static str,
        name: String,
    },
    #[error("glue {operation} {name}: {message}")]
    Request {
        operation: &'static str,
        name: String,
        message: String,
    },
    #[error("the AWS SDK runtime: {0}")]
    Runtime(std::io::Error),
}

fn glue_error<E: ProvideErrorMetadata + Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
    operation: &'static str,
    name: &str,
) -> SetupError {
    let name = name.to_owned();
    match e.code() {
        Some("AccessDeniedException") => SetupError::AccessDenied { operation, name },
        _ => SetupError::Request {
            operation,
            name,
            message: sdk_message(e),
        },
    }
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    match args.command {
        Command::Setup(args) => setup(args),
    }
}

fn setup(args: SetupArgs) -> Result<(), Box<dyn Error>> {
    sql::check_name("database", &args.database).map_err(SetupError::Spec)?;
    let table = GlueTable::new(
        &args.table,
        &args.location,
        Some(&args.revenue_metric),
        &args.since,
    )
    .and_then(|t| t.with_user_attribute(&args.user_attribute))
    .map_err(SetupError::Spec)?;
    let exposures = args
        .exposures_location
        .as_deref()
        .map(|location| ExposureTable::new(&args.exposures_table, location))
        .transpose()
        .map_err(SetupError::Spec)?;
    if exposures.as_ref().is_some_and(|e| e.name == table.name) {
        return Err(format!(
            "--exposures-table {:?}: the events table has that name; name it differently",
            args.exposures_table
        )
        .into());
    }
    if args.print {
        let json = match &exposures {
            Some(e) => serde_json::json!([table.to_json(), e.to_json()]),
            None => table.to_json(),
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(SetupError::Runtime)?;
    let outcome = runtime.block_on(apply(&args.database, &table, exposures.as_ref()))?;
    println!("{outcome}");
    Ok(())
}

/// Creates the database when missing and each table, or updates it; says which.
async fn apply(
    database: &str,
    table: &GlueTable,
    exposures: Option<&ExposureTable>,
) -> Result<String, SetupError> {
    let config = sdk_config_with(query::ATHENA_LIMITS).await;
    let glue = aws_sdk_glue::Client::new(&config);
    let mut said = Vec::new();
    let db = DatabaseInput::builder()
        .name(database)
        .description(
            "journey-attribution: the events Firehose writes (see the README's report section)",
        )
        .build()
        .map_err(|e| SetupError::Request {
            operation: "CreateDatabase",
            name: database.to_owned(),
            message: e.to_string(),
        })?;
    match glue.create_database().database_input(db).send().await {
        Ok(_) => said.push(format!("created database {database}")),
        Err(e) if e.code() == Some("AlreadyExistsException") => {
            said.push(format!("database {database} exists"));
        }
        Err(e) => return Err(glue_error(&e, "CreateDatabase", database)),
    }
    let spec = TableSpec {
        name: &table.name,
        location: &table.location,
        columns: &table.columns,
        parameters: table.parameters(),
        serde_parameters: table.serde_parameters(),
        partition: Some(sql::PARTITION_COLUMN),
    };
    said.push(put_table(&glue, database, &spec).await?);
    if let Some(e) = exposures {
        let columns = e.columns();
        let spec = TableSpec {
            name: &e.name,
            location: &e.location,
            columns: &columns,
            parameters: e.parameters(),
            serde_parameters: e.serde_parameters(),
            partition: None,
        };
        said.push(put_table(&glue, database, &spec).await?);
    }
    Ok(said.join("; "))
}

/// A Glue table to create or update.
struct TableSpec<'a> {
    name: &'a str,
    location: &'a str,
    columns: &'a [sql::Column],
    parameters: Vec<(String, String)>,
    serde_parameters: Vec<(String, String)>,
    partition: Option<&'a str>,
}

/// Creates the table, or updates it when it exists; says which.
async fn put_table(
    glue: &aws_sdk_glue::Client,
    database: &str,
    table: &TableSpec<'_>,
) -> Result<String, SetupError> {
    let input = table_input(table).map_err(|message| SetupError::Request {
        operation: "CreateTable",
        name: table.name.to_owned(),
        message,
    })?;
    let full = format!("{database}.{}", table.name);
    let exists = match glue
        .get_table()
        .database_name(database)
        .name(table.name)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) if e.code() == Some("EntityNotFoundException") => false,
        Err(e) => return Err(glue_error(&e, "GetTable", &full)),
    };
    if exists {
        glue.update_table()
            .database_name(database)
            .table_input(input)
            .send()
            .await
            .map_err(|e| glue_error(&e, "UpdateTable", &full))?;
        Ok(format!("updated table {full} over {}", table.location))
    } else {
        glue.create_table()
            .database_name(database)
            .table_input(input)
            .send()
            .await
            .map_err(|e| glue_error(&e, "CreateTable", &full))?;
        Ok(format!("created table {full} over {}", table.location))
    }
}

/// The SDK's `TableInput` of the report crate's table description.
fn table_input(table: &TableSpec<'_>) -> Result<TableInput, String> {
    let column = |name: &str, hive_type: &str| {
        Column::builder()
            .name(name)
            .r#type(hive_type)
            .build()
            .map_err(|e| e.to_string())
    };
    let mut storage = StorageDescriptor::builder()
        .location(table.location)
        .input_format(INPUT_FORMAT)
        .output_format(OUTPUT_FORMAT);
    for c in table.columns {
        storage = storage.columns(column(&c.name, &c.hive_type)?);
    }
    let mut serde_info = SerDeInfo::builder().serialization_library(SERDE);
    for (k, v) in &table.serde_parameters {
        serde_info = serde_info.parameters(k, v);
    }
    let mut input = TableInput::builder()
        .name(table.name)
        .table_type("EXTERNAL_TABLE")
        .storage_descriptor(storage.serde_info(serde_info.build()).build());
    if let Some(p) = table.partition {
        input = input.partition_keys(column(p, "string")?);
    }
    for (k, v) in &table.parameters {
        input = input.parameters(k, v);
    }
    input.build().map_err(|e| e.to_string())
}
