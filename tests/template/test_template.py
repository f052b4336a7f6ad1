"""template.yaml: least-privilege IAM, and the settings the design relies on.

Run: .venv/bin/python -m unittest discover -s tests/template -v
"""

import copy
import json
import pathlib
import re
import subprocess
import unittest

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !Sub, !GetAtt ...) as {"Fn": value}."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix: value}


CfnLoader.add_multi_constructor("!", _tag)


def load(path=ROOT / "template.yaml"):
    return yaml.load(path.read_text(), Loader=CfnLoader)


def as_list(v):
    return v if isinstance(v, list) else [v]


def strings(v):
    """Every string inside a value (through intrinsic functions)."""
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)


def iam_violations(template):
    """Every wildcard action or resource, managed policy, or SAM-generated role."""
    found = []
    for name, res in template["Resources"].items():
        props = res.get("Properties", {})
        if res["Type"] == "AWS::Serverless::Function":
            if "Role" not in props or "Policies" in props:
                found.append(f"{name}: must use an explicit Role (SAM's generated policies use Resource '*')")
        documents = []
        if res["Type"] == "AWS::IAM::Role":
            if props.get("ManagedPolicyArns"):
                found.append(f"{name}: managed policies are not least-privilege")
            documents = [policy["PolicyDocument"] for policy in props.get("Policies", [])]
        if res["Type"] == "AWS::IAM::ManagedPolicy":
            documents = [props["PolicyDocument"]]
        for document in documents:
                for st in as_list(document["Statement"]):
                    sid = st.get("Sid", "?")
                    if "NotAction" in st or "NotResource" in st:
                        found.append(f"{name}/{sid}: NotAction/NotResource")
                    for action in strings(st.get("Action", [])):
                        if "*" in action:
                            found.append(f"{name}/{sid}: wildcard action {action}")
                    for resource in strings(st.get("Resource", [])):
                        # The keys under a named prefix: the narrowest grant S3 has.
                        under_prefix = re.fullmatch(r"arn:\$\{AWS::Partition\}:s3:::\$\{\w+\}/\$\{\w+Prefix\}\*", resource)
                        if "*" in resource and not under_prefix:
                            found.append(f"{name}/{sid}: wildcard resource {resource}")
                    # A bucket's listing is the whole bucket unless a prefix condition narrows it.
                    prefix = st.get("Condition", {}).get("StringLike", {}).get("s3:prefix")
                    if "s3:ListBucket" in strings(st.get("Action", [])) and not prefix:
                        found.append(f"{name}/{sid}: s3:ListBucket without an s3:prefix condition")
    return found


def condition(template, name, params):
    """Evaluates a named condition for these parameter values (defaults for the rest)."""
    values = {k: p.get("Default") for k, p in template["Parameters"].items()} | params

    def ev(expr):
        if isinstance(expr, str):
            return expr
        (fn, arg), = expr.items()
        if fn == "Ref":
            return values[arg]
        if fn == "Equals":
            return ev(arg[0]) == ev(arg[1])
        if fn == "Not":
            return not ev(arg[0])
        if fn == "And":
            return all(ev(a) for a in arg)
        if fn == "Or":
            return any(ev(a) for a in arg)
        if fn == "Condition":
            return ev(template["Conditions"][arg])
        raise ValueError(f"condition function {fn}")

    return ev(template["Conditions"][name])


def deployed(template, **params):
    """The resources a stack with these parameters creates."""
    return {
        n: r for n, r in template["Resources"].items()
        if "Condition" not in r or condition(template, r["Condition"], params)
    }


def granted(template, role):
    actions = set()
    for policy in template["Resources"][role]["Properties"]["Policies"]:
        for st in as_list(policy["PolicyDocument"]["Statement"]):
            actions.update(as_list(st["Action"]))
    return actions


def sdk_calls(service):
    """Operations the Lambdas' AWS adapters call, e.g. `.put_item()` -> dynamodb:PutItem."""
    adapter = {"dynamodb": "dynamodb.rs", "cognito-idp": "cognito.rs"}[service]
    source = (ROOT / "aws" / "src" / adapter).read_text()
    ops = {
        "dynamodb": ["get_item", "put_item", "update_item", "delete_item", "query", "scan", "batch_write_item"],
        "cognito-idp": ["admin_get_user", "admin_update_user_attributes", "admin_delete_user_attributes", "list_users",
                        "describe_user_pool"],
    }[service]
    camel = lambda s: "".join(p.capitalize() for p in s.split("_"))
    return {f"{service}:{camel(op)}" for op in ops if re.search(rf"\.{op}\(\)", source)}


class IamTest(unittest.TestCase):
    def test_no_wildcards_anywhere(self):
        self.assertEqual(iam_violations(load()), [])

    def test_the_check_catches_wildcards(self):
        bad = load()
        st = bad["Resources"]["TaggingRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
        st["Action"] = "dynamodb:*"
        self.assertIn("TaggingRole/ConditionalWriteOfAttributions: wildcard action dynamodb:*", iam_violations(bad))
        bad = load()
        bad["Resources"]["SyncRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][1]["Resource"] = "*"
        self.assertIn("SyncRole/ProjectToCognito: wildcard resource *", iam_violations(bad))
        bad = load()
        del bad["Resources"]["SyncFunction"]["Properties"]["Role"]
        self.assertTrue(any("explicit Role" in v for v in iam_violations(bad)))

    def test_each_function_gets_exactly_the_calls_its_code_makes(self):
        t = load()
        self.assertEqual(granted(t, "ClaimsRole") - {"logs:CreateLogStream", "logs:PutLogEvents"}, {"dynamodb:GetItem"})
        self.assertIn("dynamodb:GetItem", sdk_calls("dynamodb"))
        for role in ("TaggingRole", "ConnectTaggingRole", "SesTaggingRole"):
            tagging = {a for a in granted(t, role) if a.startswith("dynamodb:")}
            self.assertEqual(tagging, sdk_calls("dynamodb"), role)
            self.assertFalse(any(a.startswith("cognito-idp:") for a in granted(t, role)), role)
        sync = {a for a in granted(t, "SyncRole") if a.startswith("cognito-idp:")}
        self.assertEqual(sync, sdk_calls("cognito-idp"))
        self.assertFalse(any(a.startswith("cognito-idp:") for a in granted(t, "TaggingRole")))
        self.assertFalse(any(a in ("dynamodb:PutItem", "dynamodb:GetItem") for a in granted(t, "SyncRole")))


class DesignTest(unittest.TestCase):
    def setUp(self):
        self.t = load()
        self.r = self.t["Resources"]

    def test_functions_are_rust_on_arm64(self):
        g = self.t["Globals"]["Function"]
        self.assertEqual((g["Runtime"], g["Architectures"]), ("provided.al2023", ["arm64"]))
        binaries = set(re.findall(r'\[\[bin\]\]\s*name = "([\w-]+)"', (ROOT / "lambda" / "Cargo.toml").read_text()))
        functions = {n: r for n, r in self.r.items() if r["Type"] == "AWS::Serverless::Function"}
        built = set()
        for name, res in functions.items():
            meta = res["Metadata"]
            self.assertEqual(meta["BuildMethod"], "rust-cargolambda", name)
            built.add(meta["BuildProperties"]["Binary"])
        self.assertEqual(built, binaries, "one function per Lambda binary")
        self.assertEqual(
            {n: functions[n]["Metadata"]["BuildProperties"]["Binary"] for n in functions},
            {"TaggingFunction": "tagging", "SyncFunction": "sync",
             "ConnectTaggingFunction": "connect-tagging", "SesTaggingFunction": "ses-tagging",
             "ClaimsFunction": "claims"},
        )
        self.assertLess(self.r["TaggingFunction"]["Properties"]["Timeout"], 15, "Pinpoint's 15 s budget")

    def test_environment_follows_the_public_contract(self):
        env = lambda f: set(self.r[f]["Properties"]["Environment"]["Variables"])
        self.assertLessEqual({"ATTRIBUTION_TABLE", "LOOKBACK_WINDOW", "LOOKBACK_WINDOWS", "USERNAME_ATTRIBUTE"}, env("TaggingFunction"))
        self.assertLessEqual({"USER_POOL_ID", "FAILURE_QUEUE_URL", "CAMPAIGN_ATTRIBUTE"}, env("SyncFunction"))
        self.assertEqual(self.r["SyncFunction"]["Properties"]["Environment"]["Variables"]["FAILURE_QUEUE_URL"],
                         {"Ref": "SyncFailureQueue"})
        sqs = [st for pol in self.r["SyncRole"]["Properties"]["Policies"]
               for st in as_list(pol["PolicyDocument"]["Statement"]) if st["Action"] == "sqs:SendMessage"]
        self.assertEqual([st["Resource"] for st in sqs], [{"GetAtt": "SyncFailureQueue.Arn"}])

    def test_every_function_gets_the_pools_username_case_sensitivity(self):
        for name, res in self.r.items():
            if res["Type"] == "AWS::Serverless::Function":
                env = res["Properties"]["Environment"]["Variables"]
                self.assertEqual(env.get("USERNAME_CASE_SENSITIVE"), {"Ref": "UsernameCaseSensitive"}, name)

    def test_every_function_names_users_in_its_logs_by_the_stacks_keyed_hash(self):
        keys = [res["Properties"]["Environment"]["Variables"].get("LOG_USER_KEY")
                for res in self.r.values() if res["Type"] == "AWS::Serverless::Function"]
        self.assertEqual(len(keys), 5)
        self.assertEqual(keys, [{"Select": [2, {"Split": ["/", {"Ref": "AWS::StackId"}]}]}] * 5)

    def test_table(self):
        p = self.r["AttributionTable"]["Properties"]
        self.assertEqual(p["BillingMode"], "PAY_PER_REQUEST")
        self.assertEqual(p["KeySchema"], [{"AttributeName": "username", "KeyType": "HASH"}])
        self.assertEqual(p["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
        self.assertEqual(p["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        self.assertTrue(p["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])

    def test_stream_mapping(self):
        e = self.r["SyncFunction"]["Properties"]["Events"]["AttributionStream"]["Properties"]
        self.assertEqual(e["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(e["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertTrue(e["BisectBatchOnFunctionError"])
        self.assertGreater(e["MaximumRetryAttempts"], 0)
        self.assertGreater(e["MaximumRecordAgeInSeconds"], 0)
        self.assertEqual(e["DestinationConfig"]["OnFailure"]["Type"], "SQS")
        patterns = [f["Pattern"] for f in e["FilterCriteria"]["Filters"]]
        import json
        parsed = [json.loads(p) for p in patterns]
        self.assertIn({"eventName": ["INSERT", "MODIFY"]}, parsed)
        self.assertIn(
            {"eventName": ["REMOVE"], "userIdentity": {"type": ["Service"], "principalId": ["dynamodb.amazonaws.com"]}},
            parsed,
        )

    def test_pinpoint_may_invoke_tagging_from_its_application_and_no_other(self):
        p = self.r["PinpointInvokeTagging"]["Properties"]
        self.assertEqual(p["Action"], "lambda:InvokeFunction")
        arn = p["SourceArn"]["Sub"]
        self.assertEqual(
            arn, "arn:${AWS::Partition}:mobiletargeting:${AWS::Region}:${AWS::AccountId}:apps/${PinpointApplicationId}*"
        )
        self.assertEqual(p["SourceAccount"], {"Ref": "AWS::AccountId"})
        # The ARN pattern as IAM reads it (`*` any run of characters), for a 32-hex id.
        app = "3a9b1f4e6c764ba7b031e7183e0a1b2c"
        pattern = re.escape(arn.replace("${PinpointApplicationId}", app)).replace(r"\*", ".*")
        pattern = pattern.replace(re.escape("${AWS::Partition}"), "aws").replace(
            re.escape("${AWS::Region}"), "us-east-1").replace(re.escape("${AWS::AccountId}"), "123456789012")
        base = "arn:aws:mobiletargeting:us-east-1:123456789012:apps/"
        for allowed in (app, f"{app}/journeys/j1", f"{app}/campaigns/c1", f"{app}/*"):
            self.assertRegex(base + allowed, f"^{pattern}$")
        for other in ("0" * 32, "0" * 32 + "/journeys/j1"):
            self.assertNotRegex(base + other, f"^{pattern}$")
        id_pattern = self.t["Parameters"]["PinpointApplicationId"]["AllowedPattern"]
        self.assertRegex(app, id_pattern)
        self.assertNotRegex(app + "0", id_pattern, "a longer id could extend another's prefix")
        self.assertNotRegex(app[:31], id_pattern)

    def test_outputs_and_alarms(self):
        self.assertLessEqual({"TaggingFunctionArn", "AttributionTableName", "SyncFailureQueueUrl"}, set(self.t["Outputs"]))
        alarms = [n for n, r in self.r.items() if r["Type"] == "AWS::CloudWatch::Alarm"]
        self.assertEqual(len(alarms), 6)


class OptionalSourcesTest(unittest.TestCase):
    """Each touch source deploys only when enabled, with only its own permissions."""

    def setUp(self):
        self.t = load()
        self.r = self.t["Resources"]

    def test_each_sources_resources_carry_its_condition(self):
        prefixes = {
            ("Tagging", "PinpointInvoke"): {"PinpointEnabled"},
            ("Connect", "TouchLedger"): {"ConnectEnabled", "ConnectInstanceGiven"},
            ("Ses", "EventBridgeInvokeSes", "SnsInvokeSes"): {"SesEnabled", "SesViaSns", "SesViaEventBridge"},
            ("Sync",): {"AttributeProjection"},
            ("Claims", "CognitoInvokeClaims"): {"TokenProjection"},
        }
        for name, res in self.r.items():
            for group, conditions in prefixes.items():
                if name.startswith(group):
                    self.assertIn(res.get("Condition"), conditions, name)
        shared = [n for n, r in self.r.items() if "Condition" not in r]
        self.assertEqual(
            sorted(shared),
            ["AttributionTable"],
        )
        defaults = {k: p.get("Default") for k, p in self.t["Parameters"].items()}
        self.assertEqual((defaults["EnablePinpoint"], defaults["EnableConnect"], defaults["EnableSes"]), ("true", "false", "false"))

    def test_connect_may_invoke_only_from_the_given_instance(self):
        p = self.r["ConnectInvokeTagging"]["Properties"]
        self.assertEqual((p["Principal"], p["SourceArn"]), ("connect.amazonaws.com", {"Ref": "ConnectInstanceArn"}))
        self.assertEqual(p["SourceAccount"], {"Ref": "AWS::AccountId"})
        ledger = [st for pol in self.r["ConnectTaggingRole"]["Properties"]["Policies"]
                  for st in as_list(pol["PolicyDocument"]["Statement"]) if st["Sid"] == "FirstDeliveryOfEachTouch"]
        self.assertEqual(ledger[0]["Resource"], {"GetAtt": "TouchLedgerTable.Arn"})
        env = self.r["ConnectTaggingFunction"]["Properties"]["Environment"]["Variables"]
        self.assertLessEqual({"ATTRIBUTION_TABLE", "TOUCH_LEDGER_TABLE", "CONNECT_USERNAME_FIELD", "CONNECT_APPLICATION_ID"}, set(env))
        self.assertEqual(self.r["TouchLedgerTable"]["Properties"]["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})

    def test_ses_events_come_from_the_rule_or_the_topic_and_only_opens_and_clicks(self):
        rule = self.r["SesEngagementRule"]["Properties"]
        self.assertEqual(rule["EventPattern"]["source"], ["aws.ses"])
        self.assertEqual(rule["EventPattern"]["detail-type"], ["Email Opened", "Email Clicked"])
        self.assertEqual(self.r["EventBridgeInvokeSesTagging"]["Properties"]["SourceArn"], {"GetAtt": "SesEngagementRule.Arn"})
        import json
        sub = self.r["SesTopicSubscription"]["Properties"]
        self.assertEqual(json.loads(sub["FilterPolicy"]), {"eventType": ["Open", "Click"]})
        self.assertEqual(self.r["SnsInvokeSesTagging"]["Properties"]["SourceArn"], {"Ref": "SesSnsTopicArn"})
        env = self.r["SesTaggingFunction"]["Properties"]["Environment"]["Variables"]
        self.assertLessEqual({"SES_EVENTS", "SES_JOURNEY_TAG", "SES_LABEL_TAG", "SES_USER_TAG", "SES_USER_FROM_DESTINATION"}, set(env))
        # Opens are an opt-in: mail proxies (Apple Mail Privacy Protection) open every email.
        self.assertEqual(self.t["Parameters"]["SesEvents"]["Default"], "click")
        on_failure = self.r["SesTaggingFunction"]["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
        self.assertEqual(on_failure["Destination"], {"GetAtt": "SesTaggingFailureQueue.Arn"})


class ProjectionTest(unittest.TestCase):
    """Projection=attribute (sync), token (claims, no Cognito permission), both."""

    def setUp(self):
        self.t = load()

    def cognito_actions(self, resources):
        actions = set()
        for res in resources.values():
            if res["Type"] == "AWS::IAM::Role":
                for policy in res["Properties"]["Policies"]:
                    for st in as_list(policy["PolicyDocument"]["Statement"]):
                        actions |= {a for a in as_list(st["Action"]) if a.startswith("cognito-idp:")}
        return actions

    def test_each_projection_deploys_its_functions_only(self):
        fns = lambda r: {n for n, x in r.items() if x["Type"] == "AWS::Serverless::Function"}
        self.assertEqual(self.t["Parameters"]["Projection"]["Default"], "attribute")
        self.assertEqual(self.t["Parameters"]["Projection"]["AllowedValues"], ["attribute", "token", "both"])
        attribute = deployed(self.t, Projection="attribute")
        token = deployed(self.t, Projection="token")
        both = deployed(self.t, Projection="both")
        self.assertEqual(fns(attribute), {"TaggingFunction", "SyncFunction"})
        self.assertEqual(fns(token), {"TaggingFunction", "ClaimsFunction"})
        self.assertEqual(fns(both), {"TaggingFunction", "SyncFunction", "ClaimsFunction"})
        every = dict(EnableConnect="true", EnableSes="true", SesSnsTopicArn="",
                     ConnectInstanceArn="arn:aws:connect:us-east-1:123456789012:instance/x")
        self.assertEqual(fns(deployed(self.t, Projection="token", **every)),
                         {"TaggingFunction", "ConnectTaggingFunction", "SesTaggingFunction", "ClaimsFunction"})

    def test_token_mode_has_no_cognito_permission_anywhere(self):
        every = dict(EnableConnect="true", EnableSes="true")
        self.assertEqual(self.cognito_actions(deployed(self.t, Projection="token", **every)), set())
        self.assertEqual(
            self.cognito_actions(deployed(self.t, Projection="attribute")),
            {"cognito-idp:AdminGetUser", "cognito-idp:AdminUpdateUserAttributes", "cognito-idp:DescribeUserPool"},
        )
        # The check can fail: put a Cognito action into the claims role.
        bad = load()
        bad["Resources"]["ClaimsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] = [
            "dynamodb:GetItem", "cognito-idp:AdminGetUser"]
        self.assertEqual(self.cognito_actions(deployed(bad, Projection="token")), {"cognito-idp:AdminGetUser"})

    def test_claims_reads_one_table_and_only_the_pool_may_invoke_it(self):
        r = self.t["Resources"]
        st = r["ClaimsRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        self.assertEqual([(x["Action"], x["Resource"]) for x in st if x["Sid"] == "ReadTheUsersAttribution"],
                         [("dynamodb:GetItem", {"GetAtt": "AttributionTable.Arn"})])
        p = r["CognitoInvokeClaims"]["Properties"]
        self.assertEqual((p["Principal"], p["Action"]), ("cognito-idp.amazonaws.com", "lambda:InvokeFunction"))
        self.assertEqual(p["SourceArn"], {"Sub": "arn:${AWS::Partition}:cognito-idp:${AWS::Region}:${AWS::AccountId}:userpool/${UserPoolId}"})
        self.assertEqual(p["SourceAccount"], {"Ref": "AWS::AccountId"})
        f = r["ClaimsFunction"]["Properties"]
        self.assertEqual(set(f["Environment"]["Variables"]),
                         {"ATTRIBUTION_TABLE", "CAMPAIGN_ATTRIBUTE", "CLAIMS_BUDGET_MS", "USERNAME_CASE_SENSITIVE", "LOG_USER_KEY",
                          "RUST_LOG"})
        self.assertLess(f["Timeout"], 5, "Cognito waits 5 s for a trigger")
        # The read's budget, at its largest, still ends before the function's timeout.
        budget = self.t["Parameters"]["ClaimsBudgetMs"]
        self.assertEqual(f["Environment"]["Variables"]["CLAIMS_BUDGET_MS"], {"Ref": "ClaimsBudgetMs"})
        self.assertEqual((budget["Default"], budget["MinValue"]), (500, 100))
        self.assertLess(budget["MaxValue"], f["Timeout"] * 1000)
        self.assertEqual(self.t["Outputs"]["ClaimsFunctionArn"]["Condition"], "TokenProjection")
        self.assertEqual(self.t["Outputs"]["SyncFailureQueueUrl"]["Condition"], "AttributeProjection")


def resolve(value, params):
    """A value with !Ref and !Sub of parameters replaced by `params`."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Ref":
            return params[arg]
        if fn == "Sub":
            return re.sub(r"\$\{(!?)([\w:]+)\}",
                          lambda m: "${%s}" % m.group(2) if m.group(1) else params[m.group(2)], arg)
    if isinstance(value, dict):
        return {k: resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    return value


class AthenaTest(unittest.TestCase):
    PARAMS = {"AthenaEventsBucket": "shop-events", "AthenaEventsPrefix": "firehose/",
              "AthenaResultsBucket": "shop-results", "AthenaRevenueMetric": "total",
              "AthenaSince": "2025/06/01/00"}
    RESOURCES = {"AthenaGlueDatabase", "AthenaEventsTable", "AthenaWorkGroup", "AthenaReportPolicy"}

    def setUp(self):
        self.t = load()

    def test_athena_is_optional_and_needs_both_buckets(self):
        self.assertFalse(self.RESOURCES & set(deployed(self.t)))
        self.assertFalse(self.RESOURCES & set(deployed(self.t, AthenaEventsBucket="shop-events")))
        self.assertLessEqual(self.RESOURCES, set(deployed(self.t, **self.PARAMS)))
        rule = self.t["Rules"]["AthenaNeedsAResultsBucket"]
        self.assertEqual(rule["Assertions"][0]["Assert"], {"Not": [{"Equals": [{"Ref": "AthenaResultsBucket"}, ""]}]})

    def test_the_glue_table_is_what_athena_setup_creates(self):
        cli = ROOT / "target" / "debug" / "journey-attribution"
        want = json.loads(subprocess.run(
            [cli, "athena", "setup", "--print", "--location", "s3://shop-events/firehose/",
             "--revenue-metric", "total", "--since", "2025/06/01/00"],
            check=True, capture_output=True, text=True).stdout)
        got = resolve(self.t["Resources"]["AthenaEventsTable"]["Properties"]["TableInput"], self.PARAMS)
        self.assertEqual(got, want)
        db = self.t["Resources"]["AthenaEventsTable"]["Properties"]["DatabaseName"]
        self.assertEqual(db, {"Ref": "AthenaGlueDatabase"})

    def test_the_workgroup_enforces_its_results_location_and_a_scan_cutoff(self):
        wg = resolve(self.t["Resources"]["AthenaWorkGroup"]["Properties"], self.PARAMS | {"AWS::StackName": "shop",
                     "AthenaBytesScannedCutoff": 10**11, "AthenaResultsPrefix": "athena-results/"})
        c = wg["WorkGroupConfiguration"]
        self.assertTrue(c["EnforceWorkGroupConfiguration"])
        self.assertEqual(c["ResultConfiguration"]["OutputLocation"], "s3://shop-results/athena-results/")
        self.assertEqual(c["BytesScannedCutoffPerQuery"], 10**11)
        self.assertEqual(c["EngineVersion"]["SelectedEngineVersion"], "Athena engine version 3")

    def test_the_report_policy_grants_the_calls_report_athena_makes_and_no_more(self):
        doc = self.t["Resources"]["AthenaReportPolicy"]["Properties"]["PolicyDocument"]
        actions = {a for st in doc["Statement"] for a in as_list(st["Action"])}
        source = (ROOT / "cli" / "src" / "athena" / "query.rs").read_text()
        called = {"athena:" + "".join(p.capitalize() for p in op.split("_"))
                  for op in re.findall(r"\.(\w+_query_\w+)\(\)", source)}
        self.assertEqual(called, {"athena:StartQueryExecution", "athena:GetQueryExecution",
                                  "athena:GetQueryResults", "athena:StopQueryExecution"})
        self.assertEqual({a for a in actions if a.startswith("athena:")}, called)
        self.assertEqual({a for a in actions if a.startswith("glue:")}, {"glue:GetDatabase", "glue:GetTable"})
        aws = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012",
               "AthenaResultsPrefix": "r/", "AthenaWorkGroup": "shop-report", "AthenaGlueDatabase": "shop"}
        by_sid = {st["Sid"]: resolve(st, self.PARAMS | aws)
                  for st in doc["Statement"]}
        self.assertEqual(by_sid["ReadTheFirehosePrefix"]["Resource"], "arn:aws:s3:::shop-events/firehose/*")
        self.assertEqual(by_sid["ListTheFirehosePrefix"]["Condition"], {"StringLike": {"s3:prefix": "firehose/*"}})
        self.assertEqual(by_sid["WriteAndReadTheResults"]["Resource"], "arn:aws:s3:::shop-results/r/*")
        # The results bucket is listed only under the workgroup's result prefix.
        self.assertEqual(by_sid["ListTheResultsPrefix"]["Resource"], "arn:aws:s3:::shop-results")
        self.assertEqual(by_sid["ListTheResultsPrefix"]["Condition"], {"StringLike": {"s3:prefix": "r/*"}})
        listing = [sid for sid, st in by_sid.items() if "s3:ListBucket" in as_list(st["Action"])]
        self.assertEqual(sorted(listing), ["ListTheFirehosePrefix", "ListTheResultsPrefix"])
        self.assertNotIn("Condition", by_sid["WhereTheBucketsAre"], "GetBucketLocation carries no s3:prefix")
        self.assertEqual(iam_violations(self.t), [])
        bad = load()
        st = bad["Resources"]["AthenaReportPolicy"]["Properties"]["PolicyDocument"]["Statement"][2]
        st["Resource"] = {"Sub": "arn:${AWS::Partition}:s3:::${AthenaEventsBucket}/*"}
        self.assertEqual(iam_violations(bad), [
            "AthenaReportPolicy/ReadTheFirehosePrefix: wildcard resource arn:${AWS::Partition}:s3:::${AthenaEventsBucket}/*"])
        bad = load()
        st, = (st for st in bad["Resources"]["AthenaReportPolicy"]["Properties"]["PolicyDocument"]["Statement"]
               if st["Sid"] == "ListTheResultsPrefix")
        del st["Condition"]
        self.assertEqual(iam_violations(bad), [
            "AthenaReportPolicy/ListTheResultsPrefix: s3:ListBucket without an s3:prefix condition"])


if __name__ == "__main__":
    unittest.main()
