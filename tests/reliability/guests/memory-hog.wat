;; memory-hog: grows its memory one page at a time and writes into every 4 KiB of each new page,
;; so the pages are really committed, until memory.grow returns -1 at the cap; then `unreachable`.
;; A memory bomb that costs resident memory, not just address space: 500 memory.
(module
  (memory 1)
  (func (export "handle")
    (local $page i32) (local $at i32) (local $end i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.eq (local.get $page) (i32.const -1)) (then unreachable))
      (local.set $at (i32.mul (local.get $page) (i32.const 65536)))
      (local.set $end (i32.add (local.get $at) (i32.const 65536)))
      (loop $touch
        (i32.store8 (local.get $at) (i32.const 1))
        (local.set $at (i32.add (local.get $at) (i32.const 4096)))
        (br_if $touch (i32.lt_u (local.get $at) (local.get $end))))
      (br $grow))))
