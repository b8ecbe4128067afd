"""Plain-language explanations of every anomaly type: what it means, why it happens, what to do.

Shown by the dashboard and the CLI next to an anomaly. Likely causes follow the usual list for
data errors in ML pipelines: bad sensor or log data, an upstream software update changing a
format or unit, a transformation applied on one side only (training/serving pipeline mismatch),
seasonality or a real change in the world, a new product or category, a broken join, ...
"""

from __future__ import annotations

from dataclasses import dataclass

from dvtools.validation.anomalies import AnomalyType as T

__all__ = ["EXPLANATIONS", "Explanation"]


@dataclass(frozen=True)
class Explanation:
    """Title, meaning in plain words, likely causes and what to do about one anomaly type."""

    title: str
    meaning: str
    likely_causes: tuple[str, ...]
    what_to_do: str


_BROKEN_JOIN = "a broken or changed join (keys no longer match, so the joined columns come back empty)"
_UPSTREAM = "an upstream software update that renamed, dropped or reformatted the field"
_ONE_SIDE = "a transformation applied on one side only (training/serving pipeline mismatch)"
_LOGGING = "bad sensor or log data (a logger or device that stopped sending the field)"
_WORLD = "seasonality or a real change in the world"
_NEW_CAT = "a new product, category or market that did not exist in the training data"
_UNIT = "a unit or scale change upstream (cents vs dollars, ms vs s, % vs fraction)"
_ACCEPT = "If the new data is right, accept the anomaly to update the schema; otherwise fix the source."

EXPLANATIONS: dict[T, Explanation] = {
    T.SCHEMA_MISSING_COLUMN: Explanation(
        "Column missing",
        "A feature the schema expects is not in the data at all.",
        (_UPSTREAM, _BROKEN_JOIN, _ONE_SIDE, "a query or export that selects a different list of columns"),
        "Check the pipeline that produces the data. If the feature was dropped on purpose, deprecate it "
        "in the schema (accept the anomaly) or restrict it to the environments where it exists.",
    ),
    T.SCHEMA_NEW_COLUMN: Explanation(
        "New column",
        "The data has a column the schema does not know.",
        (_UPSTREAM, "a new feature added to the pipeline but not to the schema",
         "a column leaked from another source (an id, a timestamp, the label at serving time)"),
        "If the column is meant to be there, add it to the schema (accept the anomaly); otherwise "
        "remove it upstream. Make sure it is not a leak of the label or of future information.",
    ),
    T.FEATURE_TYPE_LOW_FRACTION_PRESENT: Explanation(
        "Too often missing",
        "The feature has a value in a smaller share of examples than the schema requires.",
        (_LOGGING, _BROKEN_JOIN, _UPSTREAM, "a new client or app version that does not send the field"),
        "Find which slice (source, date, client version) lost the values. If the lower presence is "
        "expected, lower min_fraction in the schema (accept the anomaly).",
    ),
    T.FEATURE_TYPE_LOW_NUMBER_PRESENT: Explanation(
        "Too few examples with a value",
        "Fewer examples have this feature than the schema's minimum count.",
        (_LOGGING, _BROKEN_JOIN, "a much smaller dataset than usual (partial export, failed upstream job)"),
        "Check that the dataset is complete. " + _ACCEPT,
    ),
    T.FEATURE_TYPE_NOT_PRESENT: Explanation(
        "Feature never present",
        "The column exists but no example has a value, although the schema requires it.",
        (_BROKEN_JOIN, _LOGGING, _UPSTREAM,
         "a null-marker rule or parsing error turning every value into null"),
        "Treat as a pipeline failure: find where the values were lost before training or serving on "
        "this data.",
    ),
    T.FEATURE_TYPE_LOW_NUMBER_VALUES: Explanation(
        "Too few values per example",
        "For a list feature, some examples have fewer values than the schema's minimum.",
        (_UPSTREAM, "truncated or empty lists from a failed lookup", _ONE_SIDE),
        "Check how the lists are built upstream. " + _ACCEPT,
    ),
    T.FEATURE_TYPE_HIGH_NUMBER_VALUES: Explanation(
        "Too many values per example",
        "For a list feature, some examples have more values than the schema's maximum.",
        (_UPSTREAM, "duplicated rows in a join producing repeated list entries", _WORLD),
        "Check how the lists are built upstream (duplicates?). " + _ACCEPT,
    ),
    T.ENUM_TYPE_UNEXPECTED_STRING_VALUES: Explanation(
        "Unexpected categories",
        "Some string values are not in the feature's list of allowed values (its domain).",
        (_NEW_CAT, _UPSTREAM + " (e.g. new codes or spellings)",
         "typos, case or whitespace variants of known values", _LOGGING),
        "If the values are legitimate, add them to the domain (accept the anomaly) and check the model "
        "handles them (an unseen category usually maps to an out-of-vocabulary bucket). If they are "
        "variants of known values, normalize them upstream.",
    ),
    T.INT_TYPE_BIG_INT: Explanation(
        "Integer above the range",
        "Some integer values are larger than the schema's maximum (often inferred from training data).",
        (_UNIT, _LOGGING + " (overflow, sentinel values like 999999)", _WORLD),
        "Look at the largest values: sentinels and unit changes need a fix upstream; genuinely larger "
        "values mean the range should be widened (accept the anomaly).",
    ),
    T.INT_TYPE_SMALL_INT: Explanation(
        "Integer below the range",
        "Some integer values are smaller than the schema's minimum (often inferred from training data).",
        (_UNIT, _LOGGING + " (sentinel values like -1 or 0 for unknown)", _WORLD),
        "Look at the smallest values: sentinels for 'unknown' should become nulls; genuinely smaller values "
        "mean the range should be widened (accept the anomaly).",
    ),
    T.FLOAT_TYPE_BIG_FLOAT: Explanation(
        "Number above the range",
        "Some values are larger than the schema's maximum (often inferred from training data).",
        (_UNIT, _LOGGING + " (outliers, sentinel values)", _WORLD),
        "Compare the distributions: a shift by a constant factor is a unit change to fix upstream. "
        + _ACCEPT,
    ),
    T.FLOAT_TYPE_SMALL_FLOAT: Explanation(
        "Number below the range",
        "Some values are smaller than the schema's minimum (often inferred from training data).",
        (_UNIT, _LOGGING + " (negative sentinels such as -1)", _WORLD),
        "Check the smallest values for sentinels or sign errors. " + _ACCEPT,
    ),
    T.FLOAT_TYPE_HAS_NAN: Explanation(
        "NaN values",
        "The feature has NaN (not-a-number) values although the schema disallows them.",
        ("a division by zero or a failed parse in feature engineering", _ONE_SIDE, _LOGGING),
        "Find the computation that produces NaN and fix it or impute explicitly. If NaN is a valid "
        "'unknown', allow it in the schema (accept the anomaly).",
    ),
    T.FLOAT_TYPE_HAS_INF: Explanation(
        "Infinite values",
        "The feature has +inf or -inf values although the schema disallows them.",
        ("a division by zero or log(0) in feature engineering", "an overflow", _ONE_SIDE),
        "Fix the computation upstream (guard divisions and logs), or allow infinity (accept the anomaly).",
    ),
    T.UNEXPECTED_DATA_TYPE: Explanation(
        "Unexpected data type",
        "The values have a different type than the schema (or the training data) says: e.g. numbers stored "
        "as text, integers that became floats, codes read as numbers.",
        (_UPSTREAM, _ONE_SIDE + " (e.g. serving sends strings, training read numbers)",
         "a file format or loader that infers types differently (missing values turn ints into floats, a "
         "currency sign or thousands separator turns numbers into text)"),
        "Make both pipelines produce the same type (parse numbers, strip units). If the new type is right, "
        "change the schema (accept the anomaly) and retrain.",
    ),
    T.SCHEMA_TRAINING_SERVING_SKEW: Explanation(
        "Training/serving skew",
        "The feature differs between training and serving data in a way the schema flags.",
        (_ONE_SIDE, _UPSTREAM, "serving data sampled from a different population than training"),
        "Compare the training and serving pipelines for this feature and make them compute it the same way.",
    ),
    T.COMPARATOR_L_INFTY_HIGH: Explanation(
        "Category frequencies changed",
        "The share of at least one category changed by more than the threshold (L-infinity distance: the "
        "largest change of any category's frequency) compared with the training data.",
        (_WORLD, _NEW_CAT, _ONE_SIDE, _UPSTREAM + " (e.g. renamed categories)", "a sampling change"),
        "Look at the category with the largest change. A real change may call for retraining; a pipeline "
        "change needs a fix. If the change is acceptable, raise the threshold (accept the anomaly).",
    ),
    T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH: Explanation(
        "Distribution changed",
        "The distribution of the values differs from the training data's by more than the threshold "
        "(Jensen-Shannon divergence of the histograms on the training data's bins, from 0 = same to "
        "1 = disjoint).",
        (_WORLD, _UNIT, _ONE_SIDE, _LOGGING),
        "Compare the two histograms, especially values outside the training range. A shift by a constant "
        "factor suggests a unit change; a gradual shift, drift that may need retraining. If acceptable, "
        "raise the threshold (accept the anomaly).",
    ),
    T.COMPARATOR_LOW_NUM_EXAMPLES: Explanation(
        "Fewer examples than expected",
        "The dataset has much fewer rows than the training data, beyond the allowed ratio.",
        ("a partial export or a failed upstream job", _BROKEN_JOIN + " dropping rows", _LOGGING, _WORLD),
        "Check the dataset is complete before using it. If the volume change is expected, widen the ratio "
        "(accept the anomaly).",
    ),
    T.COMPARATOR_HIGH_NUM_EXAMPLES: Explanation(
        "More examples than expected",
        "The dataset has many more rows than the training data, beyond the allowed ratio.",
        ("duplicated rows (a join fanning out, data loaded twice)", _WORLD, _NEW_CAT),
        "Check for duplicates. If the volume change is expected, widen the ratio (accept the anomaly).",
    ),
    T.DATASET_LOW_NUM_EXAMPLES: Explanation(
        "Too few examples",
        "The dataset has fewer rows than the schema's minimum.",
        ("a partial export or a failed upstream job", "an overly narrow filter or date range", _LOGGING),
        "Check the data source. Statistics and models on too few examples are unreliable.",
    ),
    T.MISSING_SHARE_INCREASE: Explanation(
        "More missing values",
        "The share of examples without a value rose clearly above the training data's (dvtools check).",
        (_LOGGING, _BROKEN_JOIN, _UPSTREAM, "a new client or app version that does not send the field"),
        "Find the slice that lost the values. If expected, set a presence constraint in the schema or "
        "accept the anomaly.",
    ),
    T.ZERO_AS_MISSING_MARKER: Explanation(
        "Zero used for missing",
        "Many more values are exactly 0 than expected, while missing values did not increase: 0 probably "
        "stands in for 'unknown' (dvtools check).",
        (_ONE_SIDE + " (e.g. serving fills nulls with 0, training keeps them null)", _UPSTREAM,
         _LOGGING + " (a device reporting 0 when it has no reading)"),
        "Turn the placeholder zeros back into nulls (or impute the same way on both sides). If zeros are "
        "genuine, accept the anomaly.",
    ),
    T.CATEGORY_VARIANTS: Explanation(
        "Category variants",
        "Some values differ only by upper/lower case or spaces ('NY' vs 'ny '), so the model sees them as "
        "different categories (dvtools check).",
        ("manual data entry", _UPSTREAM + " (a new formatting)",
         "several sources merged without normalization"),
        "Normalize the values (trim, case) in the pipeline, on both training and serving sides. If the "
        "variants are really different values, accept the anomaly.",
    ),
    T.CONSTANT_COLUMN: Explanation(
        "Constant column",
        "Every example has the same value, while the training data had several (dvtools check).",
        (_UPSTREAM + " (a default value everywhere)", _BROKEN_JOIN + " filling a default", _LOGGING,
         "a filter that selected a single category"),
        "A constant feature carries no information: find why the variation disappeared. If expected (a "
        "slice by that value), accept the anomaly.",
    ),
    T.ALL_NULL_COLUMN: Explanation(
        "Column entirely empty",
        "Every example is missing this feature, while the training data had values (dvtools check).",
        (_BROKEN_JOIN, _UPSTREAM, _LOGGING, "a parsing or null-marker rule that turns every value into null"),
        "Treat as a pipeline failure: restore the values before training or serving on this data.",
    ),
    T.DISTRIBUTION_DRIFT: Explanation(
        "Distribution drifted",
        "The drift policy's statistic for this feature (Jensen-Shannon distance, normalized Wasserstein, "
        "PSI, Hellinger, or a KS / chi-square test on small training data) passed its threshold compared "
        "with the training data (dvtools check; TFDV's own comparators give COMPARATOR_L_INFTY_HIGH and "
        "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH).",
        (_WORLD, _UNIT, _ONE_SIDE, _LOGGING),
        "Compare the two distributions on the Skew & drift page. A real change may call for retraining; a "
        "pipeline change needs a fix. If acceptable, raise the threshold for this feature (a per-feature "
        "override, or a drift/skew comparator in the schema).",
    ),
    T.DUPLICATE_IDENTIFIERS: Explanation(
        "Duplicate identifiers",
        "An identifier column whose values were all distinct in the training data has repeated values "
        "(dvtools check).",
        ("rows loaded twice or a join fanning out", _BROKEN_JOIN, "a key that is no longer unique upstream"),
        "Look for duplicated rows before training or serving on this data. If repeats are legitimate, set "
        "the column's role to feature in the schema.",
    ),
    T.PII_DETECTED: Explanation(
        "Personal data",
        "A large share of the column's values look like personal data (emails, phone or card numbers, IBANs, "
        "IP addresses, national ids, dates of birth, precise positions, names or addresses), counted on every "
        "value by a detector with a validator (Luhn, MOD 97, ...) (dvtools check).",
        ("identifiers or contact details exported with the features", "a join that brought in a customer table",
         "free-form fields users filled with their own details"),
        "Drop or pseudonymize the column before training if the model does not need it. Privacy mode (on by "
        "default) masks its values in every output. Accepting marks the feature sensitive in the schema, which "
        "keeps it redacted and silences the warning for this detector.",
    ),
    T.GROUP_UNDERREPRESENTED: Explanation(
        "Group under-represented",
        "A group (a value of a group column such as gender, age band or country) has too few examples in "
        "training to learn or evaluate it reliably, or appears in serving while training barely had it "
        "(dvtools groups check).",
        ("biased data collection (a source, region or channel that reaches few people of the group)",
         _NEW_CAT + " (a new market or user population)",
         "a sampling or filtering step that dropped the group", "a rater pool or labelling queue that skipped it"),
        "Collect or up-weight examples of the group, or evaluate it separately with a confidence interval. "
        "If the group is small by nature and that is understood, accept the anomaly.",
    ),
    T.GROUP_SHARE_CHANGED: Explanation(
        "Group share changed",
        "A group's share of the examples in serving (or evaluation) differs a lot from training: the model "
        "now serves a different population (dvtools groups check).",
        (_WORLD + " (a campaign or launch reaching a new audience)", _NEW_CAT,
         "a sampling or logging change that keeps more or fewer examples of one group", _BROKEN_JOIN),
        "Check the group's accuracy on recent data and retrain with the new mix if it persists. If the new "
        "mix is expected, accept the anomaly.",
    ),
    T.LABEL_RATE_DISPARITY: Explanation(
        "Label rate disparity",
        "The share of a label value (or the mean label) differs between groups: the lowest group's rate "
        "divided by the highest is below the threshold. The four-fifths line is a reference from hiring "
        "guidance, not a verdict: a disparity can be real in the world or come from biased labels "
        "(dvtools groups check).",
        ("bias in human-labelled or collected data (raters judging one group differently)",
         "a real difference between groups in the world", "a product that serves one group worse",
         "labels produced by an earlier model or rule that was itself biased"),
        "Find out whether the difference is in the world or in the labelling: compare rater agreement per "
        "group, audit a sample of labels. If it is understood, accept the anomaly.",
    ),
    T.GROUP_MISSING_DISPARITY: Explanation(
        "Missing mostly for one group",
        "A feature is missing far more often for one group than overall: the model learns little about that "
        "group from it, and imputation may hide the gap (dvtools groups check).",
        (_LOGGING + " (a sensor that fails more often for some people or devices)",
         "a form field or consent option that one group skips more often", _BROKEN_JOIN + " for one source"),
        "Fix the collection for that group, or give the model a missing indicator and check the group's "
        "accuracy. If the gap is expected, accept the anomaly.",
    ),
    T.GROUP_DRIFT: Explanation(
        "Drift within one group",
        "A feature's distribution changed between training and serving (or evaluation) for one group, "
        "judged by the Skew & drift page's comparison on that group's examples, while the whole population "
        "looks stable: the group is small enough, or the change rare enough elsewhere, to hide in the total "
        "(dvtools groups check).",
        (_LOGGING + " applied to one group only (a default, a unit or a form variant one group gets)",
         _WORLD + " for one group", "a new client or device used mostly by one group"),
        "Compare the group's values in both datasets (Statistics page, sliced by the group column) and check "
        "the model's accuracy on the group. If the change is expected, accept the anomaly.",
    ),
    T.LABEL_CONFLICT: Explanation(
        "Conflicting labels",
        "Rows with identical features (identifiers and timestamps left out) carry different labels: the "
        "model is asked to learn two answers for one input (dvtools labels check).",
        ("raters disagreeing on the same example", "an event logged twice with a different outcome",
         "features that miss what decides the label (the label depends on something not recorded)",
         "labels joined from the wrong row (a broken or many-to-many join)"),
        "Look at the example groups: relabel or drop the conflicts, or add the missing feature. If the task "
        "is noisy by nature, accept the anomaly.",
    ),
    T.DUPLICATE_EXAMPLES: Explanation(
        "Duplicate examples",
        "Rows repeat an earlier row exactly (features and label, identifiers and timestamps left out): they "
        "weigh twice in training and can leak between splits (dvtools labels check).",
        ("a retried upload or export appending the same data twice", "a join that multiplies rows",
         "a logger that writes an event more than once"),
        "Deduplicate before splitting into training and evaluation. If repeats are genuine (the same "
        "situation really happens often), accept the anomaly.",
    ),
    T.DATASET_OVERLAP: Explanation(
        "Rows shared with the training data",
        "Rows of this dataset have the same features as rows of the training data: evaluation or serving "
        "examples seen in training make the measured quality optimistic (leakage; dvtools labels check).",
        ("a split made after duplication, or by row instead of by user/session",
         "serving logs replayed into the training data", "the same source exported into both datasets"),
        "Split by a grouping key (user, session, time) and deduplicate across the datasets. If the overlap is "
        "expected (the same inputs recur in the world), accept the anomaly.",
    ),
    T.RATER_DISAGREEMENT: Explanation(
        "Raters disagree",
        "Raters agree little (Krippendorff's alpha below the threshold; 0.667 is the usual floor for tentative "
        "conclusions), or much less on one group than overall (dvtools labels check).",
        ("unclear labelling guidelines", "a rater who misunderstood the task or is biased against one group",
         "a rater pool without the background to judge one group", "ambiguous examples"),
        "Read the examples a rater disagrees on, clarify the guidelines, diversify the rater pool, and re-rate. "
        "If the task is subjective by nature, accept the anomaly.",
    ),
}
