//! The `#[with_retry]` attribute of strands-retry: the Python module's decorator,
//! expanded at compile time into a call through a `RetryStrategy`.
//!
//! Arguments are checked here, so a typo or an impossible value is a
//! compile error pointing at the argument, never a runtime surprise. The
//! strategy is built once per function, in a `OnceLock`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

const KEYS: &str = "max_retries, base_delay, max_delay, jitter";
const DEFAULT_BASE: f64 = 1.0;
const DEFAULT_MAX: f64 = 60.0;

/// Retry the function's body with exponential backoff and jitter.
///
/// See `strands_retry::with_retry` for the arguments.
#[proc_macro_attribute]
pub fn with_retry(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args.into(), item.into()) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

#[derive(Default)]
struct Args {
    max_retries: Option<u32>,
    base_delay: Option<(f64, Span)>,
    max_delay: Option<(f64, Span)>,
    jitter: Option<TokenStream2>,
}

fn expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let func: ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "#[with_retry] goes on a function (`fn` or `async fn`)",
        )
    })?;
    let krate = crate_path();
    let args = parse_args(args, &krate)?;

    let max_retries = opt(args.max_retries.map(|n| quote!(#n)));
    let base = opt(args.base_delay.map(|(v, _)| quote!(#v)));
    let max = opt(args.max_delay.map(|(v, _)| quote!(#v)));
    let jitter = opt(args.jitter);

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let call = if sig.asyncness.is_some() {
        quote!(__strands_strategy.execute_with_retry(|| async #block).await)
    } else {
        quote!(__strands_strategy.execute_with_retry_blocking(|| #block))
    };
    Ok(quote! {
        #(#attrs)*
        #vis #sig {
            static __STRANDS_RETRY: ::std::sync::OnceLock<#krate::RetryStrategy> =
                ::std::sync::OnceLock::new();
            let __strands_strategy = __STRANDS_RETRY.get_or_init(|| {
                #krate::__macro_strategy(#max_retries, #base, #max, #jitter)
            });
            #call
        }
    })
}

fn opt(v: Option<TokenStream2>) -> TokenStream2 {
    match v {
        Some(v) => quote!(::core::option::Option::Some(#v)),
        None => quote!(::core::option::Option::None),
    }
}

/// `::strands_retry`, or the facade's re-export when only the facade is a
/// dependency.
fn crate_path() -> TokenStream2 {
    use proc_macro_crate::{FoundCrate, crate_name};
    match crate_name("strands-retry") {
        Ok(FoundCrate::Name(name)) => {
            let id = syn::Ident::new(&name, Span::call_site());
            quote!(::#id)
        }
        Ok(FoundCrate::Itself) => quote!(::strands_retry),
        Err(_) => match crate_name("strands-deploy-utils") {
            Ok(FoundCrate::Name(name)) => {
                let id = syn::Ident::new(&name, Span::call_site());
                quote!(::#id::strands_retry)
            }
            _ => quote!(::strands_retry),
        },
    }
}

fn parse_args(args: TokenStream2, krate: &TokenStream2) -> syn::Result<Args> {
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let mut out = Args::default();
    for pair in pairs {
        let key = pair
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        let dup = || syn::Error::new(pair.path.span(), format!("`{key}` is given twice"));
        match key.as_str() {
            "max_retries" => {
                if out.max_retries.is_some() {
                    return Err(dup());
                }
                out.max_retries = Some(match lit(&pair.value) {
                    Some(Lit::Int(i)) => i.base10_parse::<u32>().map_err(|_| {
                        syn::Error::new(
                            i.span(),
                            "max_retries must be a whole number from 0 to 4294967295",
                        )
                    })?,
                    _ => {
                        return Err(syn::Error::new(
                            pair.value.span(),
                            "max_retries must be a whole number, e.g. `max_retries = 3`",
                        ));
                    }
                });
            }
            "base_delay" | "max_delay" => {
                let slot = if key == "base_delay" {
                    &mut out.base_delay
                } else {
                    &mut out.max_delay
                };
                if slot.is_some() {
                    return Err(dup());
                }
                *slot = Some((seconds(&key, &pair.value)?, pair.value.span()));
            }
            "jitter" => {
                if out.jitter.is_some() {
                    return Err(dup());
                }
                out.jitter = Some(jitter(&pair.value, krate)?);
            }
            _ => {
                return Err(syn::Error::new(
                    pair.path.span(),
                    format!("unknown argument `{key}`: #[with_retry] takes {KEYS}"),
                ));
            }
        }
    }
    let base = out.base_delay.map_or(DEFAULT_BASE, |b| b.0);
    let max = out.max_delay.map_or(DEFAULT_MAX, |m| m.0);
    if base > max {
        let span = out
            .base_delay
            .map(|b| b.1)
            .or(out.max_delay.map(|m| m.1))
            .unwrap_or_else(Span::call_site);
        return Err(syn::Error::new(
            span,
            format!(
                "base_delay ({base} s) is larger than max_delay ({max} s): every delay is capped at max_delay"
            ),
        ));
    }
    Ok(out)
}

fn lit(e: &Expr) -> Option<&Lit> {
    match e {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        _ => None,
    }
}

fn seconds(key: &str, e: &Expr) -> syn::Result<f64> {
    let bad = |msg: String| syn::Error::new(e.span(), msg);
    let v = match lit(e) {
        Some(Lit::Float(f)) => f.base10_parse::<f64>()?,
        Some(Lit::Int(i)) => i.base10_parse::<f64>()?,
        _ => {
            return Err(bad(format!(
                "{key} is a number of seconds, e.g. `{key} = 2.0` (negative values are not allowed)"
            )));
        }
    };
    if !v.is_finite() || v < 0.0 {
        return Err(bad(format!(
            "{key} must be a finite number of seconds, 0 or more"
        )));
    }
    Ok(v)
}

fn jitter(e: &Expr, krate: &TokenStream2) -> syn::Result<TokenStream2> {
    let help = "jitter is `true`, `false`, \"full\", \"equal\", \"decorrelated\", \"none\" or \"proportional(0.1)\"";
    match lit(e) {
        Some(Lit::Bool(b)) => {
            let on = b.value;
            Ok(quote!(#krate::Jitter::from(#on)))
        }
        Some(Lit::Str(s)) => {
            let v = s.value();
            match v.as_str() {
                "full" => Ok(quote!(#krate::Jitter::Full)),
                "equal" => Ok(quote!(#krate::Jitter::Equal)),
                "decorrelated" => Ok(quote!(#krate::Jitter::Decorrelated)),
                "none" => Ok(quote!(#krate::Jitter::None)),
                other => {
                    let f = other
                        .strip_prefix("proportional(")
                        .and_then(|r| r.strip_suffix(')'))
                        .and_then(|n| n.trim().parse::<f64>().ok())
                        .ok_or_else(|| syn::Error::new(s.span(), help))?;
                    if !(0.0..=1.0).contains(&f) {
                        return Err(syn::Error::new(
                            s.span(),
                            "proportional jitter takes a fraction between 0.0 and 1.0",
                        ));
                    }
                    Ok(quote!(#krate::Jitter::Proportional(#f)))
                }
            }
        }
        _ => Err(syn::Error::new(e.span(), help)),
    }
}
