;; big-memory: declares a 1 GiB memory (the most a function may have) and answers "big".
;; Every invocation needs a 1 GiB WebAssembly.Memory from the host: when the host cannot have
;; one, that is a host fault the sandbox must survive. Needs memory_pages 16384.
(module
  (import "edge" "response_write" (func $write (param i32 i32)))
  (memory 16384)
  (data (i32.const 0) "big")
  (func (export "handle")
    (call $write (i32.const 0) (i32.const 3))))
