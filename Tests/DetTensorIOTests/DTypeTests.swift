import DetTensorIO
import Testing

@Test(arguments: [
  (DType.float16, 2), (.bfloat16, 2), (.float32, 4), (.float64, 8), (.int32, 4), (.int64, 8),
  (.uint8, 1), (.bool, 1),
])
func dtypeSizes(dtype: DType, bytes: Int) {
  #expect(dtype.size == bytes)
}
