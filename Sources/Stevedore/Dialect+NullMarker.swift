import Frames
import Warehouse

extension Dialect {
    /// The NULL marker of the CSV this warehouse's COPY reads and writes.
    var nullMarker: NullMarker {
        guard let marker = NullMarker(spelling: csvNull) else {
            preconditionFailure("the \(name) dialect spells NULL as '\(csvNull)', which the CSV writer cannot")
        }
        return marker
    }
}
