//! Content hashes that identify data and model files.

use sha2::{Digest, Sha256};

/// SHA-256 of `bytes` as 64 lowercase hex digits (what `sha256sum` prints).
///
/// ```
/// assert_eq!(
///     stance_model::sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of bytes fed in pieces, for files read as a stream: the same digest as
/// [`sha256_hex`] of the pieces joined.
#[derive(Debug, Clone, Default)]
pub struct Sha256Stream(Sha256);

impl Sha256Stream {
    /// Adds `bytes` to the digest.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest as 64 lowercase hex digits.
    pub fn hex(self) -> String {
        self.0.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Bytes written are digested, so a serializer can stream into the digest without a buffer of
/// the whole output.
impl std::io::Write for Sha256Stream {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_digests_as_the_whole() {
        let mut stream = Sha256Stream::default();
        stream.update(b"ab");
        stream.update(b"");
        stream.update(b"c");
        assert_eq!(stream.hex(), sha256_hex(b"abc"));
        let mut written = Sha256Stream::default();
        std::io::Write::write_all(&mut written, b"abc").unwrap();
        assert_eq!(written.hex(), sha256_hex(b"abc"));
    }

    #[test]
    fn empty_input_has_the_known_digest() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
