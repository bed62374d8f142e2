#[strands_retry::with_retry(base_delay = 10.0, max_delay = 5.0)]
fn f() -> Result<(), std::io::Error> {
    Ok(())
}
fn main() {}
