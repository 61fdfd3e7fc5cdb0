/// The sum of `values` in NumPy's pairwise order (`pairwise_sum_DOUBLE`), so a mean equals
/// `np.mean` to the bit: below 8 values a plain loop; up to 128, eight interleaved
/// accumulators combined as `((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7))` and then the remainder;
/// above, split at `n/2` rounded down to a multiple of 8 and recurse.
/// - Complexity: O(n).
func numpyPairwiseSum(_ values: UnsafeBufferPointer<Double>) -> Double {
  let n = values.count
  if n < 8 {
    var sum = 0.0
    for value in values { sum += value }
    return sum
  }
  if n <= 128 {
    var r0 = values[0]
    var r1 = values[1]
    var r2 = values[2]
    var r3 = values[3]
    var r4 = values[4]
    var r5 = values[5]
    var r6 = values[6]
    var r7 = values[7]
    var i = 8
    let end = n - n % 8
    while i < end {
      r0 += values[i]
      r1 += values[i + 1]
      r2 += values[i + 2]
      r3 += values[i + 3]
      r4 += values[i + 4]
      r5 += values[i + 5]
      r6 += values[i + 6]
      r7 += values[i + 7]
      i += 8
    }
    var sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n {
      sum += values[i]
      i += 1
    }
    return sum
  }
  var half = n / 2
  half -= half % 8
  return numpyPairwiseSum(UnsafeBufferPointer(rebasing: values[0..<half]))
    + numpyPairwiseSum(UnsafeBufferPointer(rebasing: values[half...]))
}

/// `np.mean(values)`: the pairwise sum divided by the count; `nil` when empty.
func numpyMean(_ values: [Double]) -> Double? {
  guard !values.isEmpty else { return nil }
  return values.withUnsafeBufferPointer { numpyPairwiseSum($0) } / Double(values.count)
}
