;; memory-touch: a memory-hungry function that finishes. Each request grows its memory by 1,023
;; pages (to 64 MiB) and writes into every 4 KiB of it, so the pages are really committed, then
;; answers "touched" (200). Needs memory_pages 1024. Costs page faults and resident memory, not
;; an error: unlike memory-hog it never reaches its cap.
(module
  (import "edge" "response_write" (func $response_write (param i32 i32)))
  (memory 1)
  (data (i32.const 0) "touched")
  (func (export "handle")
    (local $at i32) (local $end i32)
    (if (i32.eq (memory.grow (i32.const 1023)) (i32.const -1)) (then unreachable))
    (local.set $at (i32.const 65536))
    (local.set $end (i32.const 0x4000000))
    (loop $touch
      (i32.store8 (local.get $at) (i32.const 1))
      (local.set $at (i32.add (local.get $at) (i32.const 4096)))
      (br_if $touch (i32.lt_u (local.get $at) (local.get $end))))
    (call $response_write (i32.const 0) (i32.const 7))))
