#[strands_retry::with_retry(max_retrys = 3)]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}
fn main() {}
