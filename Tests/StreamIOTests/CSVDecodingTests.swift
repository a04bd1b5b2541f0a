import StreamIO
import Testing
import TestSupport

@Suite struct CSVDecodingTests {
  enum Country: String, Decodable { case US, DE, FR }

  struct Sale: Decodable, Equatable {
    var name: String
    var country: Country
    var qty: Int
    var price: Double
    var note: String?
    var discount: Float?
  }

  @Test func rowsDecodeByHeaderName() throws {
    // Columns in another order than the properties, and one extra.
    let file = try TemporaryFile(contents: "qty,name,extra,country,price,note,discount\n2,\"Ann, B\",x,DE,1.5,,0.5\n3,Bob,y,US,2,hi,\n")
    let reader = try CSVReader(path: file.path)
    var sales: [Sale] = []
    while let sale = try reader.next(as: Sale.self) { sales.append(sale) }
    #expect(sales == [
      Sale(name: "Ann, B", country: .DE, qty: 2, price: 1.5, note: nil, discount: 0.5),
      Sale(name: "Bob", country: .US, qty: 3, price: 2, note: "hi", discount: nil),
    ])
  }

  @Test func aBadFieldNamesItsPlace() throws {
    let file = try TemporaryFile(contents: "name,country,qty,price\nAnn,DE,2,1.5\nBob,US,many,2\n")
    let reader = try CSVReader(path: file.path)
    _ = try reader.next(as: Sale.self)
    let error = #expect(throws: StreamIOError.self) { try reader.next(as: Sale.self) }
    #expect(error?.code == .invalidField)
    #expect(error?.line == 3 && error?.column == 8)
    #expect(error?.message == "column \"qty\" (field 3): expected Int, found \"many\"")
  }

  @Test func aMissingColumnIsNamed() throws {
    let file = try TemporaryFile(contents: "name,country,price\nAnn,DE,1.5\n")
    let reader = try CSVReader(path: file.path)
    let error = #expect(throws: StreamIOError.self) { try reader.next(as: Sale.self) }
    #expect(error?.code == .missingColumn)
    #expect(error?.message.contains("no column named \"qty\"") == true)
  }

  @Test func anEnumValueThatIsNotACaseIsAnError() throws {
    let file = try TemporaryFile(contents: "name,country,qty,price\nAnn,XX,2,1.5\n")
    let reader = try CSVReader(path: file.path)
    let error = #expect(throws: StreamIOError.self) { try reader.next(as: Sale.self) }
    #expect(error?.code == .invalidField)
    #expect(error?.line == 2)
  }

  @Test func positionalDecodingWithoutAHeader() throws {
    let file = try TemporaryFile(contents: "1,2,3\n4,5,6\n")
    let reader = try CSVReader(path: file.path, dialect: CSVDialect(hasHeader: false))
    var rows: [[Int]] = []
    while let row = try reader.next(as: [Int].self) { rows.append(row) }
    #expect(rows == [[1, 2, 3], [4, 5, 6]])
  }
}
