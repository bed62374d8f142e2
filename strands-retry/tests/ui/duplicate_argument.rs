#[strands_retry::with_retry(max_retries = 2, max_retries = 3)]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}
fn main() {}
