/// What a warehouse's COPY reads into a column that not every warehouse does: the checks of values
/// against an existing column's type follow it.
public struct CopyReading: Sendable, Hashable {
    /// A decimal column takes exponent notation (`1.5e3`, by its exact value): PostgreSQL's does.
    public var decimalsReadExponents: Bool
    /// Date and timestamp columns take `infinity` and `-infinity`: PostgreSQL's do.
    public var datesReadInfinity: Bool

    public init(decimalsReadExponents: Bool = false, datesReadInfinity: Bool = false) {
        self.decimalsReadExponents = decimalsReadExponents
        self.datesReadInfinity = datesReadInfinity
    }
}
