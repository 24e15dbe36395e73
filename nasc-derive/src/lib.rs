//! placeholder
use proc_macro::TokenStream;
#[proc_macro]
pub fn schema(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
#[proc_macro_derive(Entity, attributes(nasc))]
pub fn entity(_input: TokenStream) -> TokenStream {
    TokenStream::new()
}
