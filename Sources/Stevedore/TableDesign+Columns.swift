import Warehouse

extension TableDesign {
    /// This design with each key spelled as the data's column it names, compared as `dialect`
    /// compares names (Redshift folds them to lower case), so the DDL names the columns it creates.
    /// A key the data lacks, or one named twice, is a usage error naming it.
    func resolved(against columns: [String], dialect: any Dialect, table: TableRef) throws -> TableDesign {
        let byKey = Dictionary(
            columns.map { (TypeMapping.key($0, dialect), $0) }, uniquingKeysWith: { first, _ in first })
        func column(_ name: String, _ role: String) throws -> String {
            guard let found = byKey[TypeMapping.key(name, dialect)] else {
                throw StevedoreError(
                    code: .invalidRequest, step: .plan,
                    message: "the \(role) column '\(name)' is not a column of the data (its columns: "
                        + columns.joined(separator: ", ") + ")",
                    table: table.description)
            }
            return found
        }
        let resolved = TableDesign(
            distributionStyle: distributionStyle,
            distributionKey: try distributionKey.map { try column($0, "distribution key (--dist-key)") },
            sortKeys: try sortKeys.map { try column($0, "sort key (--sort-key)") })
        if let problem = resolved.combinationProblem {
            throw StevedoreError(code: .invalidRequest, step: .plan, message: problem, table: table.description)
        }
        return resolved
    }
}

extension Loader {
    /// The loader's table design, refused before anything runs when the warehouse has no such
    /// design (PostgreSQL) or the combination cannot be created.
    func checkTableDesign(for table: TableRef) throws {
        if let refusal = dialect.refusal(ofTableDesign: options.tableDesign) {
            throw StevedoreError(code: .invalidRequest, step: .plan, message: refusal, table: table.description)
        }
    }
}
