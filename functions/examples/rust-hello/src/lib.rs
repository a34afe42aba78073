//! edge v1 "Hello, World!" in Rust, with no crates and no std (so no allocator and no
//! panic machinery end up in the module).

#![no_std]

#[link(wasm_import_module = "edge")]
extern "C" {
    fn request_method(buf: *mut u8, cap: i32) -> i32;
    fn response_header(name: *const u8, name_len: i32, value: *const u8, value_len: i32);
    fn response_write(ptr: *const u8, len: i32);
}

fn write(bytes: &[u8]) {
    unsafe { response_write(bytes.as_ptr(), bytes.len() as i32) }
}

fn header(name: &[u8], value: &[u8]) {
    unsafe { response_header(name.as_ptr(), name.len() as i32, value.as_ptr(), value.len() as i32) }
}

/// A getter returns the full length and copies at most `cap` bytes.
fn method(buf: &mut [u8]) -> &[u8] {
    let n = unsafe { request_method(buf.as_mut_ptr(), buf.len() as i32) };
    &buf[..(n.max(0) as usize).min(buf.len())]
}

#[no_mangle]
pub extern "C" fn handle() {
    let mut buf = [0u8; 16];
    header(b"x-method", method(&mut buf));
    write(b"Hello, World!");
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
