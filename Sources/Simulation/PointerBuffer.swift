/// Elements in memory a block owns, reached through a pointer the value keeps: appended to and
/// changed in place with no check of sole ownership, where an array makes one at every change
/// (a call into the runtime). The event loop's per-request and per-miss tables use it: the
/// result cells' tallies, the records and free numbers of the fetches in flight.
///
/// The block grows by doubling, the elements moving with it; `base` follows. Copies share the
/// block, and a copy's `base` is stale once another copy has grown it: keep one in one place
/// and change it there (a simulation unit is changed in place, and only read once finished).
struct PointerBuffer<Element> {
    /// Owns the elements (`count` of them initialised).
    private final class Block {
        var base: UnsafeMutablePointer<Element>
        var capacity: Int
        var count = 0
        init(capacity: Int) {
            base = .allocate(capacity: capacity)
            self.capacity = capacity
        }
        deinit {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    private let block: Block
    /// The elements, `count` of them; valid until the next `append`.
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0

    init(capacity: Int = 64) {
        block = Block(capacity: max(1, capacity))
        base = block.base
    }

    var indices: Range<Int> { 0..<count }

    /// Element `i`, which must be below `count`.
    @inline(__always)
    subscript(i: Int) -> Element {
        get { base[i] }
        set { base[i] = newValue }
    }

    /// Appends `element`, moving the elements to a block twice as large when this one is full.
    mutating func append(_ element: Element) {
        if count == block.capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
        block.count = count
    }

    /// Removes the last element (there must be one) and returns it.
    @inline(__always)
    mutating func removeLast() -> Element {
        precondition(count > 0, "internal error: removeLast of an empty PointerBuffer")
        count -= 1
        block.count = count
        return (base + count).move()
    }

    private mutating func grow() {
        let capacity = 2 * block.capacity
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        larger.moveInitialize(from: block.base, count: count)
        block.base.deallocate()
        block.base = larger
        block.capacity = capacity
        base = larger
    }
}
