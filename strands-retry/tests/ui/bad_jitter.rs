#[strands_retry::with_retry(jitter = "sometimes")]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}
fn main() {}
