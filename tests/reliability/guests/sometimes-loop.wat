;; sometimes-loop: a function that is fast nearly every time and loops forever now and then.
;; One request in N at random (N from the "x-loop-one-in" header, default 200) loops without a
;; host call until its time limit (504); every other request answers "idle" (200) in microseconds.
;; Its typical cost stays tiny, so a pool that judges a function by its typical run keeps sending
;; it to the regular workers, where each loop holds whatever was lined up behind it.
(module
  (import "edge" "request_header" (func $request_header (param i32 i32 i32 i32) (result i32)))
  (import "edge" "random_fill" (func $random_fill (param i32 i32)))
  (import "edge" "response_write" (func $response_write (param i32 i32)))
  (memory 1)
  (data (i32.const 256) "x-loop-one-in")
  (data (i32.const 288) "idle")

  ;; the value of header [$name, +$name_len) as an unsigned decimal, or $default when absent (scratch 64..96)
  (func $header_int (param $name i32) (param $name_len i32) (param $default i32) (result i32)
    (local $len i32) (local $i i32) (local $n i32)
    (local.set $len (call $request_header (local.get $name) (local.get $name_len) (i32.const 64) (i32.const 32)))
    (if (i32.lt_s (local.get $len) (i32.const 0)) (then (return (local.get $default))))
    (if (i32.gt_u (local.get $len) (i32.const 32)) (then (local.set $len (i32.const 32))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10))
                               (i32.sub (i32.load8_u (i32.add (i32.const 64) (local.get $i))) (i32.const 48))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func (export "handle")
    (local $one_in i32)
    (local.set $one_in (call $header_int (i32.const 256) (i32.const 13) (i32.const 200)))
    (if (i32.eqz (local.get $one_in)) (then (local.set $one_in (i32.const 1))))
    (call $random_fill (i32.const 128) (i32.const 4))
    (if (i32.eqz (i32.rem_u (i32.load (i32.const 128)) (local.get $one_in)))
      (then (loop $forever (br $forever))))
    (call $response_write (i32.const 288) (i32.const 4))))
