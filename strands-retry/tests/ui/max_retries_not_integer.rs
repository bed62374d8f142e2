#[strands_retry::with_retry(max_retries = 2.5)]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}
fn main() {}
