//! Options of `dcrcheck run` from a config file and from the environment, merged under the
//! command line: command line > `DCRCHECK_*` variables > the file's profile > clap defaults.
//!
//! Owns: finding and reading `dcrcheck.toml` (or `--config`), choosing its `[profile.NAME]`
//! section, mapping keys and variable names to `run`'s long flags, and the one-line errors
//! about them. The keys are read off the clap definition of `run`, so a new flag is a key and a
//! variable without any change here.
//!
//! Must not: judge a value itself. Every value from the file or the environment goes through
//! the same clap parser as the same value typed on the command line, so the two can never
//! disagree. Must not print the value of a header (it may carry credentials) nor accept the
//! token itself from the file.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::Path;

use clap::builder::Resettable;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Command, CommandFactory, FromArgMatches};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{Cli, UsageError};

/// The file read from the working directory when `--config` is not given.
pub const FILE_NAME: &str = "dcrcheck.toml";
/// Every variable name is this prefix and the long flag, upper-cased, `-` turned into `_`.
pub const ENV_PREFIX: &str = "DCRCHECK_";
/// Separates the items of a repeatable option in its variable. A newline, because header
/// values may hold commas, semicolons and spaces but never a line break.
pub const ENV_LIST_SEPARATOR: char = '\n';
/// The section every other section inherits from, and the one used when none is asked for.
pub const DEFAULT_PROFILE: &str = "default";

/// The subcommand whose options the file and the environment can set.
const SUBCOMMAND: &str = "run";
/// Long flags that pick the file and its section: they cannot come from the file itself.
const LOCATOR_FLAGS: [&str; 2] = ["config", "config-profile"];
/// Keys refused in the file whatever the flags are: a config file is often committed, so the
/// token is read through `token-env` or `token-file` instead.
const FILE_FORBIDDEN: [&str; 1] = ["token"];
/// Keys whose values are never printed in an error: a header may be `Authorization: ...`.
const SECRET_VALUES: [&str; 1] = ["header"];

/// Why the command line could not be turned into a [`Cli`].
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Help, version or a usage error on the command line itself: clap prints it (help and
    /// version on stdout with exit 0, errors on stderr with exit 2).
    #[error(transparent)]
    Clap(clap::Error),
    /// The config file or a `DCRCHECK_*` variable is wrong: one line, exit 2.
    #[error(transparent)]
    Config(ConfigError),
}

/// A config file or environment error. Each message is one line and never holds the value of
/// a header.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("config file {path} is a directory, not a file")]
    Directory { path: String },
    #[error("{path}:{line}:{column}: invalid TOML: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}:{line}: unknown key `{key}` in [profile.{section}]{hint}")]
    UnknownKey {
        path: String,
        line: usize,
        section: String,
        key: String,
        /// Empty, or "; did you mean `...`?" and the like.
        hint: String,
    },
    #[error("{path}:{line}: key `{key}` in [profile.{section}]: {problem}")]
    BadValue {
        path: String,
        line: usize,
        section: String,
        key: String,
        problem: String,
    },
    /// Something outside the `[profile.NAME]` sections.
    #[error("{path}:{line}: {problem}")]
    Layout {
        path: String,
        line: usize,
        problem: String,
    },
    #[error("{path}: no section [profile.{name}] (asked for by {asked_by}); {available}")]
    NoSuchProfile {
        path: String,
        name: String,
        asked_by: String,
        available: String,
    },
    #[error("{asked_by} asks for [profile.{name}] but there is no config file ({FILE_NAME} in the working directory, --config or {ENV_PREFIX}CONFIG)")]
    NoFile { name: String, asked_by: String },
    #[error("environment variable {var}: {problem}")]
    Env { var: String, problem: String },
    /// Two keys of one section that clap refuses together.
    #[error("{path}:{line}: keys `{first}` and `{second}` in [profile.{section}] cannot be used together")]
    KeyConflict {
        path: String,
        line: usize,
        section: String,
        first: String,
        second: String,
    },
    /// Two variables that clap refuses together.
    #[error("environment variables {first} and {second} cannot be used together")]
    EnvConflict { first: String, second: String },
    /// The merged options break a rule between options (for example one that requires
    /// another), which the command line alone did not.
    #[error("{message} (with options from {sources})")]
    Combined { message: String, sources: String },
}

impl From<ConfigError> for UsageError {
    fn from(e: ConfigError) -> Self {
        UsageError(e.to_string())
    }
}

/// How a key is written in the file and in its variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A flag: a boolean in the file, true/false/1/0 in the variable.
    Flag,
    /// A flag given several times: a whole number.
    Count,
    /// One value: a string or a number.
    Single,
    /// A repeatable option: an array, or lines in the variable.
    List,
}

/// One option of `run` as a config key and an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The long flag without `--`, exactly the key in the file.
    pub name: String,
    /// The environment variable.
    pub env: String,
    pub shape: Shape,
}

/// Every key of the config file, in the order of `dcrcheck run --help`.
pub fn keys() -> Vec<Key> {
    let command = built_command();
    match command.find_subcommand(SUBCOMMAND) {
        Some(run) => options(run)
            .into_iter()
            .map(|o| Key {
                name: o.long,
                env: o.env,
                shape: o.shape,
            })
            .collect(),
        None => Vec::new(),
    }
}

/// The variables that pick the file and its section (they are not keys).
pub fn locator_env_names() -> [String; 2] {
    LOCATOR_FLAGS.map(env_name)
}

/// The variable of a long flag: `max-retries` is `DCRCHECK_MAX_RETRIES`.
pub fn env_name(long: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        long.to_ascii_uppercase().replace('-', "_")
    )
}

/// Parses `argv` (program name first) into a [`Cli`]. For `run`, every option not given on
/// the command line is taken from its `DCRCHECK_*` variable (read through `env`), else from
/// the config file (`--config`, else `dcrcheck.toml` in `cwd` when there is one), else keeps
/// its default. Other subcommands never look at the file or the variables.
pub fn parse_cli(
    argv: Vec<OsString>,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Result<Cli, ParseError> {
    let original = Cli::command();
    // The environment is read here, through `env`, for every option alike; clap's own `env`
    // attributes would read the process environment behind the caller's back.
    let command = original
        .clone()
        .mut_subcommand(SUBCOMMAND, |run| run.mut_args(|a| a.env(Resettable::Reset)));
    let (mut first, alone_ok) = match command.clone().try_get_matches_from(&argv) {
        Ok(m) => (m, true),
        // Help is rendered by the original definition so that it still shows `[env: ...]`.
        Err(e) if !e.use_stderr() => {
            return Err(ParseError::Clap(
                original.try_get_matches_from(&argv).err().unwrap_or(e),
            ))
        }
        // A flag that requires another may get it from the file or the environment: look
        // again without judging, and let the merged parse below decide.
        Err(e) if e.kind() == ErrorKind::MissingRequiredArgument => {
            match command
                .clone()
                .ignore_errors(true)
                .try_get_matches_from(&argv)
            {
                Ok(m) if m.subcommand_name() == Some(SUBCOMMAND) => (m, false),
                _ => return Err(ParseError::Clap(e)),
            }
        }
        Err(e) => return Err(ParseError::Clap(e)),
    };
    let extra = match first.subcommand() {
        Some((SUBCOMMAND, matches)) => layered_args(matches, env, cwd)?,
        _ => return Cli::from_arg_matches_mut(&mut first).map_err(ParseError::Clap),
    };
    if extra.args.is_empty() && alone_ok {
        return Cli::from_arg_matches_mut(&mut first).map_err(ParseError::Clap);
    }
    // The top level takes no option with a value, so the first `run` after the program name
    // is the subcommand; the extra options go right after it, before anything like `--`.
    let at = argv
        .iter()
        .skip(1)
        .position(|a| a == SUBCOMMAND)
        .map_or(argv.len(), |i| i + 2);
    let mut merged = argv;
    merged.splice(at..at, extra.args);
    match command.try_get_matches_from(merged) {
        Ok(mut m) => Cli::from_arg_matches_mut(&mut m).map_err(ParseError::Clap),
        Err(e) if alone_ok => Err(ParseError::Config(ConfigError::Combined {
            message: first_line(&e),
            sources: if extra.sources.is_empty() {
                "the config file and the environment".to_owned()
            } else {
                extra.sources.join(" and ")
            },
        })),
        Err(e) => Err(ParseError::Clap(e)),
    }
}

/// The options to add to the command line, and where they came from (for messages).
struct Extra {
    args: Vec<OsString>,
    sources: Vec<String>,
}

/// A `run` option as the file and the environment see it.
#[derive(Debug, Clone)]
struct RunOption {
    id: String,
    long: String,
    env: String,
    shape: Shape,
    /// For `Shape::Flag`: the value that makes clap see the flag (true for `SetTrue`).
    flag_on: bool,
    value_name: String,
    aliases: Vec<String>,
}

impl RunOption {
    fn secret(&self) -> bool {
        SECRET_VALUES.contains(&self.long.as_str())
    }
}

/// Where one layer's values come from.
#[derive(Debug, Clone)]
enum Origin {
    Env,
    Section { path: String, name: String },
}

/// One option's value from one layer: the argv words it becomes (none for a flag set to
/// false or an empty list), and the key or variable and line for messages.
#[derive(Debug)]
struct Setting {
    id: String,
    words: Vec<OsString>,
    /// The key, or the variable.
    name: String,
    /// The line of the key in the file.
    line: usize,
}

fn built_command() -> Command {
    let mut command = Cli::command();
    command.build();
    command
}

fn options(run: &Command) -> Vec<RunOption> {
    run.get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            if LOCATOR_FLAGS.contains(&long) {
                return None;
            }
            let (shape, flag_on) = match arg.get_action() {
                ArgAction::SetTrue => (Shape::Flag, true),
                ArgAction::SetFalse => (Shape::Flag, false),
                ArgAction::Count => (Shape::Count, true),
                ArgAction::Set => (Shape::Single, true),
                ArgAction::Append => (Shape::List, true),
                // Help, version and whatever clap adds later are not settings.
                _ => return None,
            };
            let env = arg
                .get_env()
                .and_then(OsStr::to_str)
                .map_or_else(|| env_name(long), str::to_owned);
            let value_name = arg
                .get_value_names()
                .and_then(|names| names.first())
                .map_or_else(|| long.to_ascii_uppercase(), |n| n.to_string());
            Some(RunOption {
                id: arg.get_id().to_string(),
                long: long.to_owned(),
                env,
                shape,
                flag_on,
                value_name,
                aliases: arg
                    .get_all_aliases()
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

/// Collects the environment and file values of every option the command line left unset.
fn layered_args(
    matches: &ArgMatches,
    env: &dyn Fn(&str) -> Option<String>,
    cwd: &Path,
) -> Result<Extra, ParseError> {
    let built = built_command();
    let Some(run) = built.find_subcommand(SUBCOMMAND) else {
        return Ok(Extra {
            args: Vec::new(),
            sources: Vec::new(),
        });
    };
    // Checking a value runs clap on it alone; the environment must not leak in there.
    let checker = run.clone().mut_args(|a| a.env(Resettable::Reset));
    let all = options(run);
    let on_command_line = |long: &str| -> Option<String> {
        let arg = run.get_arguments().find(|a| a.get_long() == Some(long))?;
        let id = arg.get_id().as_str();
        if matches.value_source(id) != Some(ValueSource::CommandLine) {
            return None;
        }
        let mut values = matches.try_get_raw(id).ok().flatten()?;
        values.next().map(|v| v.to_string_lossy().into_owned())
    };
    let read_env = |name: &str| env(name).filter(|v| !v.is_empty());

    let mut args = Vec::new();
    let mut sources = Vec::new();
    // Where the file is and which section: command line, else environment.
    let [config_env, profile_env] = locator_env_names();
    let config = match on_command_line(LOCATOR_FLAGS[0]) {
        Some(path) => Some(path),
        None => read_env(&config_env).inspect(|p| {
            args.push(OsString::from(format!("--{}={p}", LOCATOR_FLAGS[0])));
        }),
    };
    let profile = match on_command_line(LOCATOR_FLAGS[1]) {
        Some(name) => Some((name, format!("--{}", LOCATOR_FLAGS[1]))),
        None => read_env(&profile_env).map(|name| {
            args.push(OsString::from(format!("--{}={name}", LOCATOR_FLAGS[1])));
            (name, profile_env.clone())
        }),
    };
    let file = load(config.as_deref(), cwd).map_err(ParseError::Config)?;

    // Layers from the strongest down; the command line is above all of them.
    let mut layers: Vec<(Origin, Vec<Setting>)> = Vec::new();
    let env_settings = all
        .iter()
        .filter_map(|o| {
            read_env(&o.env).map(|v| env_setting(&checker, o, &v).map_err(ParseError::Config))
        })
        .collect::<Result<Vec<_>, _>>()?;
    layers.push((Origin::Env, env_settings));
    match (&file, profile) {
        (None, None) => {}
        (None, Some((name, asked_by))) => {
            return Err(ParseError::Config(ConfigError::NoFile { name, asked_by }))
        }
        (Some(file), asked) => {
            // The whole file is checked, not only the sections in use, so a mistake in
            // [profile.ci] shows on a developer's machine before it breaks CI.
            let sections = file_sections(file, &all, &checker).map_err(ParseError::Config)?;
            let mut chosen = vec![DEFAULT_PROFILE.to_owned()];
            if let Some((name, asked_by)) = asked {
                if !sections.iter().any(|(n, _)| *n == name) {
                    let names: Vec<&str> = sections.iter().map(|(n, _)| n.as_str()).collect();
                    let available = if names.is_empty() {
                        "the file has no [profile.NAME] section".to_owned()
                    } else {
                        format!("sections: {}", names.join(", "))
                    };
                    return Err(ParseError::Config(ConfigError::NoSuchProfile {
                        path: file.display.clone(),
                        name,
                        asked_by,
                        available,
                    }));
                }
                if name != DEFAULT_PROFILE {
                    chosen.insert(0, name);
                }
            }
            let mut sections = sections;
            for name in chosen {
                if let Some(i) = sections.iter().position(|(n, _)| *n == name) {
                    let (name, settings) = sections.swap_remove(i);
                    let origin = Origin::Section {
                        path: file.display.clone(),
                        name,
                    };
                    layers.push((origin, settings));
                }
            }
        }
    }

    let arg_of = |id: &str| run.get_arguments().find(|a| a.get_id() == id);
    let conflict = |a: &str, b: &str| -> bool {
        let (Some(a), Some(b)) = (arg_of(a), arg_of(b)) else {
            return false;
        };
        let clash = |x: &Arg, y: &Arg| {
            run.get_arg_conflicts_with(x)
                .iter()
                .any(|c| c.get_id() == y.get_id())
        };
        clash(a, b) || clash(b, a)
    };
    // An option set on the command line hides it in every layer below, and so does an option
    // clap refuses beside it (`--token-file` hides the file's `token-env`).
    let mut decided: BTreeSet<String> = all
        .iter()
        .filter(|o| matches.value_source(&o.id) == Some(ValueSource::CommandLine))
        .map(|o| o.id.clone())
        .collect();
    let mut present: Vec<String> = decided.iter().cloned().collect();
    for (origin, settings) in layers {
        let mut here: Vec<&Setting> = Vec::new();
        for setting in &settings {
            if decided.contains(&setting.id) {
                continue;
            }
            let is_set = !setting.words.is_empty();
            if is_set && present.iter().any(|p| conflict(p, &setting.id)) {
                continue;
            }
            decided.insert(setting.id.clone());
            if is_set {
                here.push(setting);
            }
        }
        for (i, a) in here.iter().enumerate() {
            if let Some(b) = here[i + 1..].iter().find(|b| conflict(&a.id, &b.id)) {
                let (first, second) = if a.line <= b.line { (a, b) } else { (b, a) };
                return Err(ParseError::Config(match &origin {
                    Origin::Env => ConfigError::EnvConflict {
                        first: first.name.clone(),
                        second: second.name.clone(),
                    },
                    Origin::Section { path, name } => ConfigError::KeyConflict {
                        path: path.clone(),
                        line: second.line,
                        section: name.clone(),
                        first: first.name.clone(),
                        second: second.name.clone(),
                    },
                }));
            }
        }
        if !here.is_empty() {
            sources.push(match &origin {
                Origin::Env => format!("{ENV_PREFIX}* variables"),
                Origin::Section { path, name } => format!("{path} [profile.{name}]"),
            });
        }
        for setting in here {
            present.push(setting.id.clone());
            args.extend(setting.words.iter().cloned());
        }
    }
    Ok(Extra { args, sources })
}

/// A config file read into memory, named as the user would name it.
struct ConfigFile {
    display: String,
    text: String,
}

/// Finds and reads the config file: `explicit` (relative to `cwd`) must exist; without it
/// `dcrcheck.toml` in `cwd` is used when there is one.
fn load(explicit: Option<&str>, cwd: &Path) -> Result<Option<ConfigFile>, ConfigError> {
    let (display, path) = match explicit {
        Some(given) => (given.to_owned(), cwd.join(given)),
        None => {
            let path = cwd.join(FILE_NAME);
            match std::fs::metadata(&path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                _ => (FILE_NAME.to_owned(), path),
            }
        }
    };
    let unreadable = |e: std::io::Error| ConfigError::Unreadable {
        path: display.clone(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(&path).map_err(unreadable)?;
    if meta.is_dir() {
        return Err(ConfigError::Directory { path: display });
    }
    let text = std::fs::read_to_string(&path).map_err(unreadable)?;
    Ok(Some(ConfigFile { display, text }))
}

/// Every section of the file with its checked settings, in file order.
fn file_sections(
    file: &ConfigFile,
    all: &[RunOption],
    checker: &Command,
) -> Result<Vec<(String, Vec<Setting>)>, ConfigError> {
    let text = file.text.as_str();
    let path = file.display.as_str();
    let line = |span: std::ops::Range<usize>| line_column(text, span.start).0;
    let root = DeTable::parse(text).map_err(|e| {
        let (line, column) = line_column(text, e.span().map_or(0, |s| s.start));
        ConfigError::Syntax {
            path: path.to_owned(),
            line,
            column,
            message: one_line(e.message()),
        }
    })?;
    let mut sections = Vec::new();
    for (key, value) in in_file_order(root.get_ref()) {
        if key.get_ref() != "profile" {
            return Err(ConfigError::Layout {
                path: path.to_owned(),
                line: line(key.span()),
                problem: format!(
                    "key `{}` is outside the [profile.NAME] sections; put it under [profile.{DEFAULT_PROFILE}] or another [profile.NAME]",
                    key.get_ref()
                ),
            });
        }
        let DeValue::Table(profiles) = value.get_ref() else {
            return Err(ConfigError::Layout {
                path: path.to_owned(),
                line: line(value.span()),
                problem: format!(
                    "`profile` must hold [profile.NAME] sections, found {}",
                    a_type(value.get_ref())
                ),
            });
        };
        for (name, section) in in_file_order(profiles) {
            let entries = match section.get_ref() {
                DeValue::Table(entries) => entries,
                DeValue::Array(items) if items.iter().all(|i| i.get_ref().is_table()) => {
                    return Err(ConfigError::Layout {
                        path: path.to_owned(),
                        line: line(name.span()),
                        problem: format!(
                            "[[profile.{0}]] is an array of tables; write [profile.{0}]",
                            name.get_ref()
                        ),
                    })
                }
                _ => {
                    return Err(ConfigError::Layout {
                        path: path.to_owned(),
                        line: line(name.span()),
                        problem: format!(
                            "key `{}` directly in [profile]; options go in a [profile.NAME] section such as [profile.{DEFAULT_PROFILE}]",
                            name.get_ref()
                        ),
                    })
                }
            };
            let name = name.get_ref().to_string();
            let mut settings = Vec::new();
            for (key, value) in in_file_order(entries) {
                settings.push(file_setting(path, text, &name, key, value, all, checker)?);
            }
            sections.push((name, settings));
        }
    }
    Ok(sections)
}

/// Checks one `key = value` of section `section` and turns it into argv words.
fn file_setting(
    path: &str,
    text: &str,
    section: &str,
    key: &Spanned<std::borrow::Cow<'_, str>>,
    value: &Spanned<DeValue<'_>>,
    all: &[RunOption],
    checker: &Command,
) -> Result<Setting, ConfigError> {
    let name = key.get_ref().as_ref();
    let unknown = |hint: String| ConfigError::UnknownKey {
        path: path.to_owned(),
        line: line_column(text, key.span().start).0,
        section: section.to_owned(),
        key: name.to_owned(),
        hint,
    };
    if FILE_FORBIDDEN.contains(&name) {
        return Err(unknown(
            "; the token is never read from the config file: use `token-env` or `token-file`"
                .to_owned(),
        ));
    }
    if LOCATOR_FLAGS.contains(&name) {
        let [config_env, profile_env] = locator_env_names();
        return Err(unknown(format!(
            "; the file and its section are chosen with --config/--config-profile or {config_env}/{profile_env}"
        )));
    }
    let Some(option) = all.iter().find(|o| o.long == name) else {
        // `report.json = ...` is TOML for a table `report` holding `json`: point at the
        // dashed key it was probably meant to be.
        if let DeValue::Table(inner) = value.get_ref() {
            if let [(sub, _)] = inner.iter().collect::<Vec<_>>()[..] {
                let dashed = format!("{name}-{}", sub.get_ref());
                if all.iter().any(|o| o.long == dashed) {
                    return Err(unknown(format!(
                        "; did you mean `{dashed}`? (keys are written with `-`, not `.`)"
                    )));
                }
            }
        }
        return Err(unknown(suggestion(name, all)));
    };
    let bad = |span: std::ops::Range<usize>, problem: String| ConfigError::BadValue {
        path: path.to_owned(),
        line: line_column(text, span.start).0,
        section: section.to_owned(),
        key: name.to_owned(),
        problem,
    };
    let flag = format!("--{}", option.long);
    let words = match (option.shape, value.get_ref()) {
        (Shape::Flag, DeValue::Boolean(on)) => {
            if *on == option.flag_on {
                vec![OsString::from(flag)]
            } else {
                Vec::new()
            }
        }
        (Shape::Flag, other) => {
            return Err(bad(
                value.span(),
                format!("expected true or false, found {}", a_type(other)),
            ))
        }
        (Shape::Count, DeValue::Integer(n)) => {
            let times = i128::from_str_radix(n.as_str(), n.radix())
                .ok()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n <= 255)
                .ok_or_else(|| {
                    bad(
                        value.span(),
                        "expected a whole number from 0 to 255".to_owned(),
                    )
                })?;
            vec![OsString::from(flag); times]
        }
        (Shape::Count, other) => {
            return Err(bad(
                value.span(),
                format!("expected a whole number, found {}", a_type(other)),
            ))
        }
        (Shape::Single, scalar) => {
            let text = scalar_text(scalar).map_err(|found| {
                bad(
                    value.span(),
                    format!("expected a string or a number, found {found}"),
                )
            })?;
            check(checker, option, &text).map_err(|p| bad(value.span(), p))?;
            vec![OsString::from(format!("{flag}={text}"))]
        }
        (Shape::List, DeValue::Array(items)) => {
            let mut words = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let text = scalar_text(item.get_ref()).map_err(|found| {
                    bad(
                        item.span(),
                        format!("item {}: expected a string, found {found}", i + 1),
                    )
                })?;
                check(checker, option, &text)
                    .map_err(|p| bad(item.span(), format!("item {}: {p}", i + 1)))?;
                words.push(OsString::from(format!("{flag}={text}")));
            }
            words
        }
        (Shape::List, other) => {
            return Err(bad(
                value.span(),
                format!(
                    "expected an array of strings (it can be given more than once), found {}",
                    a_type(other)
                ),
            ))
        }
    };
    Ok(Setting {
        id: option.id.clone(),
        words,
        name: option.long.clone(),
        line: line_column(text, key.span().start).0,
    })
}

/// Checks one variable's value and turns it into argv words.
fn env_setting(checker: &Command, option: &RunOption, raw: &str) -> Result<Setting, ConfigError> {
    let bad = |problem: String| ConfigError::Env {
        var: option.env.clone(),
        problem,
    };
    let flag = format!("--{}", option.long);
    let words = match option.shape {
        Shape::Flag => {
            let on = match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(bad(format!("'{raw}' is not true, false, 1 or 0"))),
            };
            if on == option.flag_on {
                vec![OsString::from(flag)]
            } else {
                Vec::new()
            }
        }
        Shape::Count => {
            let times = raw
                .trim()
                .parse::<u8>()
                .map_err(|_| bad(format!("'{raw}' is not a whole number from 0 to 255")))?;
            vec![OsString::from(flag); usize::from(times)]
        }
        Shape::Single => {
            check(checker, option, raw).map_err(bad)?;
            vec![OsString::from(format!("{flag}={raw}"))]
        }
        Shape::List => {
            let mut words = Vec::new();
            for (i, item) in raw.split(ENV_LIST_SEPARATOR).enumerate() {
                // Tolerates CRLF and blank lines, which heredocs and CI editors produce.
                let item = item.trim_end_matches('\r');
                if item.trim().is_empty() {
                    continue;
                }
                check(checker, option, item).map_err(|p| bad(format!("line {}: {p}", i + 1)))?;
                words.push(OsString::from(format!("{flag}={item}")));
            }
            words
        }
    };
    Ok(Setting {
        id: option.id.clone(),
        words,
        name: option.env.clone(),
        line: 0,
    })
}

/// Runs clap on `--long=value` alone, so the value meets exactly the parser the command line
/// uses; returns what is wrong with it.
fn check(checker: &Command, option: &RunOption, value: &str) -> Result<(), String> {
    let argv = [
        OsString::from(checker.get_name()),
        OsString::from(format!("--{}={value}", option.long)),
    ];
    let error = match checker.clone().try_get_matches_from(argv) {
        Ok(_) => return Ok(()),
        Err(e) => e,
    };
    // Rules between options are judged once everything is merged, not one value at a time.
    if matches!(
        error.kind(),
        ErrorKind::MissingRequiredArgument | ErrorKind::ArgumentConflict
    ) {
        return Ok(());
    }
    if option.secret() {
        return Err(format!(
            "invalid value (not shown: `{}` may carry credentials); expected {}",
            option.long, option.value_name
        ));
    }
    if let Some(ContextValue::Strings(valid)) = error.get(ContextKind::ValidValue) {
        return Err(format!("'{value}' is not one of: {}", valid.join(", ")));
    }
    if let Some(source) = std::error::Error::source(&error) {
        let message = one_line(&source.to_string());
        return Err(if message.contains(&format!("'{value}'")) {
            message
        } else {
            format!("'{value}': {message}")
        });
    }
    Err(first_line(&error))
}

/// The text clap would get for a scalar, or the type found instead.
fn scalar_text(value: &DeValue<'_>) -> Result<String, String> {
    match value {
        DeValue::String(s) => Ok(s.to_string()),
        // In decimal, since that is what the command line takes (TOML also has 0x, 0o, 0b).
        DeValue::Integer(n) => Ok(i128::from_str_radix(n.as_str(), n.radix())
            .map_or_else(|_| n.as_str().to_owned(), |n| n.to_string())),
        DeValue::Float(f) => Ok(f.as_str().to_owned()),
        other => Err(a_type(other)),
    }
}

fn a_type(value: &DeValue<'_>) -> String {
    let name = value.type_str();
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

/// The entries of a table in the order they are written (the map itself is sorted by name).
fn in_file_order<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

/// "; did you mean `x`?" for a key close to a real one, else nothing.
fn suggestion(key: &str, all: &[RunOption]) -> String {
    if let Some(o) = all.iter().find(|o| o.aliases.iter().any(|a| a == key)) {
        return format!(
            "; did you mean `{}`? (`--{key}` is another name for it on the command line)",
            o.long
        );
    }
    let limit = (key.chars().count() / 3).max(1);
    all.iter()
        .map(|o| (edit_distance(key, &o.long), &o.long))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map_or_else(String::new, |(_, long)| format!("; did you mean `{long}`?"))
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset.min(text.len())).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Clap's message on one line: its first paragraph (a list of missing arguments is indented
/// under the first line), without the `error: ` prefix, the usage and the tip.
fn first_line(error: &clap::Error) -> String {
    let rendered = error.to_string();
    let paragraph: Vec<&str> = rendered
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let line = paragraph.join(" ");
    line.strip_prefix("error: ").unwrap_or(&line).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_from_one() {
        let text = "a\nbc = 1\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 2), (2, 1));
        assert_eq!(line_column(text, 5), (2, 4));
        assert_eq!(line_column(text, 999), (3, 1));
    }

    #[test]
    fn close_keys_are_suggested_and_far_ones_are_not() {
        let run = built_command();
        let all = run.find_subcommand(SUBCOMMAND).map(options).unwrap();
        for (typo, expected) in [
            ("max-retry", "; did you mean `max-retries`?"),
            ("case", "; did you mean `cases`?"),
            ("deny_warnings", "; did you mean `deny-warnings`?"),
            ("nothing-like-it", ""),
        ] {
            assert_eq!(suggestion(typo, &all), expected, "{typo}");
        }
        assert!(suggestion("junit", &all).contains("`report-junit`"));
    }

    #[test]
    fn keys_are_the_long_flags_of_run_and_not_the_locators() {
        let keys = keys();
        let find = |name: &str| keys.iter().find(|k| k.name == name);
        assert_eq!(
            find("max-retries").map(|k| k.env.as_str()),
            Some("DCRCHECK_MAX_RETRIES")
        );
        assert_eq!(find("seed").map(|k| k.env.as_str()), Some("DCRCHECK_SEED"));
        assert_eq!(find("header").map(|k| k.shape), Some(Shape::List));
        assert_eq!(find("deny-warnings").map(|k| k.shape), Some(Shape::Flag));
        assert_eq!(find("cases").map(|k| k.shape), Some(Shape::Single));
        for absent in ["config", "config-profile", "help", "token"] {
            assert!(find(absent).is_none(), "{absent} must not be a key");
        }
    }

    #[test]
    fn a_header_value_never_reaches_a_message() {
        let run = built_command();
        let run = run.find_subcommand(SUBCOMMAND).unwrap();
        let checker = run.clone().mut_args(|a| a.env(Resettable::Reset));
        let all = options(run);
        let header = all.iter().find(|o| o.long == "header").unwrap();
        let problem = check(&checker, header, "Bearer s3cret-no-colon").unwrap_err();
        assert!(!problem.contains("s3cret"), "{problem}");
        let cases = all.iter().find(|o| o.long == "cases").unwrap();
        let problem = check(&checker, cases, "0").unwrap_err();
        assert_eq!(problem, "'0' must be a whole number of at least 1");
    }
}
