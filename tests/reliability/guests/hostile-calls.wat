;; hostile-calls: host calls with lengths and pointers no honest guest passes, picked by the first
;; byte of the "x-case" header. Each must trap (500) and leave the worker serving:
;;   a env_get name length 0x7fffffff       b log length -1
;;   c response_write length 0x80000000     d request_headers cap -1
;;   e random_fill length -1                f response_header name length 0x7fffffff
;;   g request_body to pointer -1           h request_method to 0xfffffff0, cap 32
;;   i response_write from pointer -1       j env_get into a buffer at -4096
;; Without the header it answers "ok".
(module
  (import "edge" "request_header" (func $request_header (param i32 i32 i32 i32) (result i32)))
  (import "edge" "request_headers" (func $request_headers (param i32 i32) (result i32)))
  (import "edge" "request_method" (func $request_method (param i32 i32) (result i32)))
  (import "edge" "request_body" (func $request_body (param i32 i32) (result i32)))
  (import "edge" "response_write" (func $response_write (param i32 i32)))
  (import "edge" "response_header" (func $response_header (param i32 i32 i32 i32)))
  (import "edge" "log" (func $log (param i32 i32 i32)))
  (import "edge" "env_get" (func $env_get (param i32 i32 i32 i32) (result i32)))
  (import "edge" "random_fill" (func $random_fill (param i32 i32)))
  (memory 1)
  (data (i32.const 256) "x-case")
  (data (i32.const 272) "ok")
  (data (i32.const 288) "HOME")
  (func (export "handle")
    (if (i32.lt_s (call $request_header (i32.const 256) (i32.const 6) (i32.const 64) (i32.const 1)) (i32.const 1))
      (then (call $response_write (i32.const 272) (i32.const 2)) (return)))
    (block $j (block $i (block $h (block $g (block $f (block $e (block $d (block $c (block $b (block $a
      (br_table $a $b $c $d $e $f $g $h $i $j $j (i32.sub (i32.load8_u (i32.const 64)) (i32.const 97))))
      (drop (call $env_get (i32.const 288) (i32.const 0x7fffffff) (i32.const 0) (i32.const 0))) (return))
      (call $log (i32.const 1) (i32.const 0) (i32.const -1)) (return))
      (call $response_write (i32.const 0) (i32.const 0x80000000)) (return))
      (drop (call $request_headers (i32.const 0) (i32.const -1))) (return))
      (call $random_fill (i32.const 0) (i32.const -1)) (return))
      (call $response_header (i32.const 256) (i32.const 0x7fffffff) (i32.const 272) (i32.const 1)) (return))
      (drop (call $request_body (i32.const -1) (i32.const 1))) (return))
      (drop (call $request_method (i32.const 0xfffffff0) (i32.const 32))) (return))
      (call $response_write (i32.const -1) (i32.const 1)) (return))
    (drop (call $env_get (i32.const 288) (i32.const 4) (i32.const -4096) (i32.const 4096)))))
