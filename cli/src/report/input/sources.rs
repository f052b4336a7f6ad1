//! Where the report's inputs are: local files, directories (read recursively), `-`
//! (standard input) and `s3://bucket/prefix` listings; each object is read once however
//! many of the paths reach it (overlapping directories, a symbolic or hard link beside its
//! target, an S3 key under two prefixes), and the repeats are counted.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use super::InputError;
use crate::report::s3::{Hours, Object, S3, S3Url};

/// One input of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File {
        path: PathBuf,
        size: u64,
    },
    /// Standard input (`-`).
    Stdin,
    S3(Object),
}

impl Source {
    /// How skip reasons and errors name it: the path, `<stdin>`, or `s3://bucket/key`.
    pub fn name(&self) -> String {
        match self {
            Self::File { path, .. } => path.display().to_string(),
            Self::Stdin => "<stdin>".to_owned(),
            Self::S3(o) => format!("s3://{}/{}", o.bucket, o.key),
        }
    }

    /// Its size as stored, when known beforehand (for the progress bar).
    pub fn size(&self) -> u64 {
        match self {
            Self::File { size, .. } => *size,
            Self::Stdin => 0,
            Self::S3(o) => o.size,
        }
    }

    pub fn is_s3(&self) -> bool {
        matches!(self, Self::S3(_))
    }

    /// Named `*.gz`: read through gzip (standard input: when it starts like gzip).
    pub fn is_gzip(&self) -> bool {
        let name = match self {
            Self::File { path, .. } => path.to_string_lossy(),
            Self::Stdin => return false,
            Self::S3(o) => o.key.as_str().into(),
        };
        name.len() > 3 && name.as_bytes()[name.len() - 3..].eq_ignore_ascii_case(b".gz")
    }

    /// Its bytes as stored (compressed or not); `s3` is the client of `s3://` inputs.
    pub fn open(&self, s3: Option<&S3>) -> Result<Box<dyn Read>, InputError> {
        Ok(match self {
            Self::File { path, .. } => Box::new(File::open(path).map_err(|e| InputError::Io {
                name: self.name(),
                source: e,
            })?),
            Self::Stdin => Box::new(io::stdin().lock()),
            Self::S3(object) => Box::new(s3.ok_or(InputError::NoS3Client)?.open(object)?),
        })
    }

    /// `raw` (from [`open`](Self::open)), decompressed when it is gzip.
    pub fn decode<'a>(&self, raw: Box<dyn Read + 'a>) -> io::Result<Box<dyn Read + 'a>> {
        let mut buffered = BufReader::with_capacity(1 << 16, raw);
        let gzip = match self {
            Self::Stdin => buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]),
            _ => self.is_gzip(),
        };
        Ok(if gzip {
            Box::new(MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        })
    }
}

/// The inputs of a report, each once.
#[derive(Debug, Default)]
pub struct Inputs {
    pub sources: Vec<Source>,
    /// Objects reached again (through another path, prefix or link) and not read again.
    pub repeated: u64,
    /// The first of them, as it was reached the second time.
    pub first_repeat: Option<String>,
    /// The client the `s3://` inputs are read with.
    pub s3: Option<S3>,
}

/// What makes two inputs the same object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Identity {
    /// Device and inode: the same file through any path, symbolic or hard link.
    #[cfg(unix)]
    File(u64, u64),
    /// The canonical path (symbolic links resolved).
    #[cfg(not(unix))]
    File(PathBuf),
    Stdin,
    S3 {
        bucket: String,
        key: String,
    },
}

fn file_identity(path: &Path, meta: &std::fs::Metadata) -> Identity {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        Identity::File(meta.dev(), meta.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Identity::File(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
    }
}

impl Inputs {
    fn add(&mut self, seen: &mut HashSet<Identity>, identity: Identity, source: Source) {
        if seen.insert(identity) {
            self.sources.push(source);
        } else {
            self.repeated += 1;
            self.first_repeat.get_or_insert_with(|| source.name());
        }
    }
}

/// The inputs under `paths`, in order: `-` as standard input, files as given, directories
/// recursively (sorted, hidden entries skipped), `s3://bucket/prefix` as the objects listed
/// under it (within `hours` of Firehose's `YYYY/MM/DD/HH/` layout when given; the S3 client
/// is made at the first such path). An object reached twice is kept the first time.
pub fn discover(paths: &[PathBuf], hours: Option<Hours>) -> Result<Inputs, InputError> {
    let mut inputs = Inputs::default();
    let mut seen = HashSet::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.add(&mut seen, Identity::Stdin, Source::Stdin);
            continue;
        }
        if let Some(url) = path.to_str().and_then(S3Url::parse) {
            let url = url?;
            let s3 = match &mut inputs.s3 {
                Some(s3) => s3,
                none => none.insert(S3::connect()?),
            };
            for object in s3.list(&url, hours)? {
                let identity = Identity::S3 {
                    bucket: object.bucket.clone(),
                    key: object.key.clone(),
                };
                inputs.add(&mut seen, identity, Source::S3(object));
            }
            continue;
        }
        let meta = metadata(path)?;
        let mut files = Vec::new();
        if meta.is_dir() {
            walk(path, &mut vec![file_identity(path, &meta)], &mut files)?;
        } else {
            files.push((path.clone(), meta));
        }
        for (path, meta) in files {
            let identity = file_identity(&path, &meta);
            let size = meta.len();
            inputs.add(&mut seen, identity, Source::File { path, size });
        }
    }
    Ok(inputs)
}

/// The path's metadata, symbolic links followed.
fn metadata(path: &Path) -> Result<std::fs::Metadata, InputError> {
    std::fs::metadata(path).map_err(|e| InputError::Io {
        name: path.display().to_string(),
        source: e,
    })
}

/// The files under `dir`; `ancestors` are the directories walked into, so a link back to
/// one of them is not followed round.
fn walk(
    dir: &Path,
    ancestors: &mut Vec<Identity>,
    files: &mut Vec<(PathBuf, std::fs::Metadata)>,
) -> Result<(), InputError> {
    let mut entries = std::fs::read_dir(dir)
        .and_then(|rd| rd.collect::<Result<Vec<_>, _>>())
        .map_err(|e| InputError::Io {
            name: dir.display().to_string(),
            source: e,
        })?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let meta = metadata(&path)?;
        if meta.is_dir() {
            let identity = file_identity(&path, &meta);
            if ancestors.contains(&identity) {
                continue;
            }
            ancestors.push(identity);
            walk(&path, ancestors, files)?;
            ancestors.pop();
        } else if meta.is_file() {
            files.push((path, meta));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn names(inputs: &Inputs, root: &Path) -> Vec<String> {
        inputs
            .sources
            .iter()
            .map(|s| match s {
                Source::File { path, .. } => path.strip_prefix(root).unwrap().display().to_string(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn directories_are_read_recursively_skipping_hidden_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("2024/05/01")).unwrap();
        std::fs::create_dir_all(dir.path().join(".cache")).unwrap();
        for f in [
            "2024/05/01/b",
            "2024/05/01/a.gz",
            "top.jsonl",
            ".cache/x",
            ".hidden",
        ] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let inputs = discover(&[dir.path().to_path_buf()], None).unwrap();
        assert_eq!(
            names(&inputs, dir.path()),
            ["2024/05/01/a.gz", "2024/05/01/b", "top.jsonl"]
        );
        assert_eq!(inputs.repeated, 0);
        assert!(discover(&[dir.path().join("missing")], None).is_err());
    }

    /// A link back up the tree is not walked round and round.
    #[cfg(unix)]
    #[test]
    fn a_link_to_an_ancestor_is_not_followed_round() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/x.jsonl"), "").unwrap();
        std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("a/b/up")).unwrap();
        let inputs = discover(&[dir.path().join("a")], None).unwrap();
        assert_eq!(names(&inputs, dir.path()), ["a/b/x.jsonl"]);
    }

    #[test]
    fn gzip_is_told_by_the_name() {
        let file = |p: &str| Source::File {
            path: p.into(),
            size: 0,
        };
        assert!(file("a/b.GZ").is_gzip());
        assert!(!file("gz").is_gzip());
        assert!(!file("a.jsonl").is_gzip());
    }
}
