#[strands_retry::with_retry(max_retries = 2)]
struct S;
fn main() {}
