#[strands_retry::with_retry(base_delay = -1.0)]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}
fn main() {}
