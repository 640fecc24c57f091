import RRFWorkflow
import Testing

@Suite struct CurrencyTests {
    @Test(arguments: [("usd", 2), ("JPY", 0), ("KWD", 3), ("XOF", 0), ("UGX", 0), ("VES", 2), ("VEF", 2), ("SSP", 2)])
    func knownCurrencies(code: String, digits: Int) throws {
        let currency = try Currency(code: code)
        #expect(currency.code == code.uppercased())
        #expect(currency.minorUnitDigits == digits)
    }

    @Test func everyRequiredCurrencyIsInTheTable() {
        let required = "USD EUR GBP CHF CAD AUD NOK SEK DKK JPY KES UGX TZS RWF ETB SOS SSP SDG YER AFN PKR BDT MMK HTG NGN XOF XAF CDF MZN MWK ZMW COP VEF VES UAH SYP LBP JOD IQD TND LYD KWD BHD OMR"
        for code in required.split(separator: " ") {
            #expect(Currency.minorUnitDigitsByCode[String(code)] != nil, "\(code)")
        }
    }

    @Test func unknownAndEmptyCodesAreRefused() {
        #expect(rejectionCode { try Currency(code: "XYZ") } == "currency_unknown")
        #expect(rejectionCode { try Currency(code: "  ") } == "currency_missing")
    }
}

@Suite struct MoneyParsingTests {
    @Test(arguments: [
        ("12500", 1_250_000), ("12500.5", 1_250_050), ("12,500.50", 1_250_050), ("0", 0), ("0.01", 1),
        ("1,000,000", 100_000_000), (" 7.25 ", 725),
    ])
    func acceptedAmounts(text: String, minorUnits: Int64) throws {
        #expect(try Money(amount: text, currency: usd).minorUnits == minorUnits)
    }

    @Test(arguments: [
        ("", "amount_empty"), ("-5", "amount_negative"), ("abc", "amount_not_a_number"), ("12.345", "amount_too_many_decimals"),
        ("1,2,3", "amount_not_a_number"), ("12,50", "amount_not_a_number"), ("1.2.3", "amount_not_a_number"),
        ("12.", "amount_not_a_number"), (".5", "amount_not_a_number"), ("+5", "amount_not_a_number"),
        ("92233720368547758.08", "amount_too_large"), ("1e5", "amount_not_a_number"), ("١٢", "amount_not_a_number"),
    ])
    func refusedAmounts(text: String, code: String) {
        #expect(rejectionCode { try Money(amount: text, currency: usd) } == code)
    }

    @Test func largestAmountFits() throws {
        #expect(try Money(amount: "92233720368547758.07", currency: usd).minorUnits == Int64.max)
    }

    @Test func currencyDecimalsDecide() throws {
        #expect(rejectionCode { try Money(amount: "100.5", currency: jpy) } == "amount_too_many_decimals")
        #expect(try Money(amount: "1.234", currency: jod).minorUnits == 1234)
        #expect(try Money(amount: "100", currency: jpy).minorUnits == 100)
    }

    @Test func textWithCurrency() throws {
        #expect(try Money(parsing: "12500.50 USD") == Money(minorUnits: 1_250_050, currency: usd))
        #expect(try Money(parsing: "EUR 3") == Money(minorUnits: 300, currency: eur))
        #expect(try Money(amount: "12,500.50", currencyCode: "usd").minorUnits == 1_250_050)
        #expect(rejectionCode { try Money(parsing: "12500.50") } == "money_format")
        #expect(rejectionCode { try Money(parsing: "12500 ABC") } == "currency_unknown")
        #expect(rejectionCode { try Money(parsing: "lots USD") } == "amount_not_a_number")
        #expect(rejectionCode { try Money(parsing: "") } == "amount_empty")
    }
}

@Suite struct MoneyFormattingTests {
    @Test(arguments: [
        (Int64(1_250_050), "USD", "12500.50 USD", "12,500.50 USD"), (5, "USD", "0.05 USD", "0.05 USD"),
        (1_234_567, "JPY", "1234567 JPY", "1,234,567 JPY"), (1, "KWD", "0.001 KWD", "0.001 KWD"),
        (-1_250_050, "USD", "-12500.50 USD", "-12,500.50 USD"), (100, "USD", "1.00 USD", "1.00 USD"),
        (Int64.min, "USD", "-92233720368547758.08 USD", "-92,233,720,368,547,758.08 USD"),
    ])
    func formats(minorUnits: Int64, code: String, plain: String, grouped: String) {
        let amount = Money(minorUnits: minorUnits, currency: .known(code))
        #expect(amount.description == plain)
        #expect(amount.grouped == grouped)
    }

    @Test func roundTrip() throws {
        let amount = Money(minorUnits: 987_654_321, currency: usd)
        #expect(try Money(parsing: amount.description) == amount)
        #expect(try Money(parsing: amount.grouped) == amount)
    }
}

@Suite struct MoneyArithmeticTests {
    @Test func addingAndSubtracting() throws {
        #expect(try money("10.50 USD").adding(money("0.50 USD")) == money("11.00 USD"))
        #expect(try money("10.50 USD").subtracting(money("11 USD")).minorUnits == -50)
        #expect(try Money.total([money("1 USD"), money("2 USD")], in: usd) == money("3 USD"))
    }

    @Test func currencyMismatchIsRefused() {
        #expect(rejectionCode { try money("1 USD").adding(money("1 EUR")) } == "currency_mismatch")
        #expect(rejectionCode { try money("1 USD").subtracting(money("1 EUR")) } == "currency_mismatch")
    }

    @Test func overflowIsRefused() {
        let maximum = Money(minorUnits: .max, currency: usd)
        let minimum = Money(minorUnits: .min, currency: usd)
        #expect(rejectionCode { try maximum.adding(Money(minorUnits: 1, currency: usd)) } == "amount_overflow")
        #expect(rejectionCode { try minimum.subtracting(Money(minorUnits: 1, currency: usd)) } == "amount_overflow")
    }

    @Test(arguments: [
        (Int64(1000), 70, Int64(700)), (1, 70, 0), (99_999, 30, 29_999), (101, 50, 50), (Int64.max, 100, Int64.max),
        (Int64.max, 70, 6_456_360_425_798_343_064), (0, 40, 0), (12_345, 0, 0),
    ])
    func percentagesRoundDown(amount: Int64, percent: Int, expected: Int64) throws {
        #expect(try Money(minorUnits: amount, currency: usd).percentage(percent).minorUnits == expected)
    }

    @Test func percentageOutOfRangeIsRefused() {
        #expect(rejectionCode { try money("1 USD").percentage(101) } == "percentage_out_of_range")
        #expect(rejectionCode { try money("1 USD").percentage(-1) } == "percentage_out_of_range")
    }
}
