import Testing

@testable import DetTensorIO

@Test(arguments: [
  (DType.float16, 2), (.bfloat16, 2), (.float32, 4), (.float64, 8), (.int32, 4), (.int64, 8),
  (.uint8, 1), (.bool, 1),
])
func dtypeSizes(dtype: DType, bytes: Int) {
  #expect(dtype.size == bytes)
}

@Test(arguments: [
  ("<f2", DType.float16, false), (">f2", .float16, true), ("<f4", .float32, false),
  (">f4", .float32, true), ("<f8", .float64, false), (">f8", .float64, true),
  ("<i4", .int32, false), (">i4", .int32, true), ("<i8", .int64, false), (">i8", .int64, true),
  ("|u1", .uint8, false), ("<u1", .uint8, false), (">u1", .uint8, false), ("|b1", .bool, false),
])
func npyDescrParses(descr: String, dtype: DType, bigEndian: Bool) throws {
  let parsed = try #require(DType.parseNPY(descr: descr))
  #expect(parsed.dtype == dtype)
  #expect(parsed.bigEndian == bigEndian)
}

@Test(arguments: ["|f4", "=f4", "<f16", "<u2", "<c8", "|V8", "<U3", "O", "", "<", "f4", "<f4 "])
func npyDescrRejectsOthers(descr: String) {
  #expect(DType.parseNPY(descr: descr) == nil)
}

@Test func npyDescrOfEveryTypeParsesBack() {
  for dtype in DType.allCases {
    guard let descr = dtype.npyDescr else {
      #expect(dtype == .bfloat16)
      continue
    }
    #expect(DType.parseNPY(descr: descr)?.dtype == dtype)
  }
}

@Test(arguments: [
  ("F16", DType.float16), ("BF16", .bfloat16), ("F32", .float32), ("F64", .float64),
  ("I32", .int32), ("I64", .int64), ("U8", .uint8), ("BOOL", .bool),
])
func safetensorsNames(name: String, dtype: DType) {
  #expect(dtype.safetensorsName == name)
  #expect(DType(safetensorsName: name) == dtype)
}

@Test(arguments: ["f32", "F8_E4M3", "I16", "U64", "C64", ""])
func safetensorsUnknownNames(name: String) {
  #expect(DType(safetensorsName: name) == nil)
}
