"""
The local AWS emulator for `npm run apply:emulated`: moto's server (pinned in emulator.ts), bound to
127.0.0.1, with the few gaps it has for these stacks mended first. Each mend names the API and what
AWS does, with the API reference it follows; none makes a stack look better than AWS would treat it.

Usage: python moto_server.py <port>   (MOTO_ACCOUNT_ID selects the account the emulator plays)
"""

import json
import sys
import time
from datetime import datetime, timezone


def epoch(value=None):
    """AWS's JSON protocols send timestamps as epoch seconds; moto sends some as ISO strings."""
    if value is None:
        return time.time()
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).timestamp()
    return value


def mend_json_timestamps():
    """
    CodeCommit CreateRepository/GetRepository (creationDate, lastModifiedDate), CodeDeploy GetApplication
    and GetDeployment (createTime, ...) and CodePipeline GetPipeline (metadata.created/updated) return
    timestamps as epoch numbers (awsJson1_1 protocol, e.g.
    https://docs.aws.amazon.com/codecommit/latest/APIReference/API_RepositoryMetadata.html). moto 5.2.1
    returns ISO strings, which the provider's SDK refuses ("expected ... to be a JSON Number").
    """
    import moto.codecommit.models as codecommit
    import moto.codedeploy.models as codedeploy
    import moto.codepipeline.models as codepipeline

    codecommit.iso_8601_datetime_with_milliseconds = epoch
    codedeploy.iso_8601_datetime_with_milliseconds = epoch
    codepipeline.iso_8601_datetime_with_milliseconds = epoch


def mend_codebuild_source_location():
    """
    CodeBuild CreateProject: `location` is not required for a CODEPIPELINE (or NO_SOURCE) source or
    artifacts; the pipeline supplies them
    (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html: "If type is
    CODEPIPELINE ... location ... is ignored"). moto requires one for every type.
    """
    import moto.codebuild.responses as responses

    check_source = responses._validate_required_params_source
    check_artifacts = responses._validate_required_params_artifacts

    def source(source):
        if source.get("type") not in ("CODEPIPELINE", "NO_SOURCE"):
            check_source(source)

    def artifacts(artifacts):
        if artifacts.get("type") != "CODEPIPELINE":
            check_artifacts(artifacts)

    responses._validate_required_params_source = source
    responses._validate_required_params_artifacts = artifacts


def mend_policy_conditions():
    """
    Policy evaluation: a condition on a key the request context does not have does not match, except
    with the ...IfExists and Null operators (IAM User Guide, "IAM JSON policy elements: Condition
    operators", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
    and a statement whose condition does not match does not apply. moto 5.2.1 treats a missing key as a
    match, evaluates no operator but StringEquals (Bool always matches) and makes a statement whose
    condition does not match a Deny, so the bucket's `Deny when aws:SecureTransport is false` refuses
    every PutObject. Every request
    to AWS is made over HTTPS, so the request context has aws:SecureTransport "true" (the emulator itself
    is reached over plain HTTP on 127.0.0.1 only).
    """
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.iam.policy_conditions import TrustRelationShipConditions

    context = {"aws:SecureTransport": "true"}

    def check_conditions(self, incoming_condition_values=None):
        conditions = self._statement.get("Condition")
        if not conditions:
            return True
        values = {**context, **(incoming_condition_values or {})}
        for condition in TrustRelationShipConditions(conditions):
            operator = condition._condition
            present = [values[key] for key in condition.context_keys if key in values]
            if len(present) < len(condition.context_keys) and not (operator.endswith("IfExists") or operator == "Null"):
                return False
            if operator == "Bool":  # moto evaluates StringEquals only and lets every other operator match
                expected = [str(v).lower() for v in condition._expected_value]
                if any(str(value).lower() != want for value, want in zip(present, expected)):
                    return False
            elif not condition.verify_condition(present):
                return False
        return True

    # moto also answers DENIED for any statement whose condition does not match, Allow statements included.
    original = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
        if not self._check_conditions(incoming_condition_values):
            return PermissionResult.NEUTRAL
        return original(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement._check_conditions = check_conditions
    IAMPolicyStatement.is_action_permitted = is_action_permitted


def mend_codedeploy_deletes():
    """
    CodeDeploy DeleteDeploymentGroup and DeleteApplication (which also deletes the application's
    groups and deployments), https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeleteApplication.html
    and API_DeleteDeploymentGroup.html. moto 5.2.1 does not implement them, so destroy cannot finish.
    """
    from moto.codedeploy.responses import CodeDeployResponse

    def delete_deployment_group(self):
        backend = self.codedeploy_backend
        groups = backend.deployment_groups.get(self._get_param("applicationName"), {})
        groups.pop(self._get_param("deploymentGroupName"), None)
        return json.dumps({"hooksNotCleanedUp": []})

    def delete_application(self):
        backend = self.codedeploy_backend
        name = self._get_param("applicationName")
        backend.applications.pop(name, None)
        backend.deployment_groups.pop(name, None)
        return "{}"

    CodeDeployResponse.delete_deployment_group = delete_deployment_group
    CodeDeployResponse.delete_application = delete_application


def mend_codecommit_tags():
    """
    CodeCommit TagResource, UntagResource and ListTagsForResource
    (https://docs.aws.amazon.com/codecommit/latest/APIReference/API_TagResource.html): the provider tags
    the repository after creating it and reads the tags back. moto 5.2.1 does not implement them.
    """
    from moto.codecommit.responses import CodeCommitResponse
    from moto.utilities.tagging_service import TaggingService

    tags = TaggingService(tag_name="tags", key_name="key", value_name="value")

    def tag_resource(self):
        pairs = self._get_param("tags") or {}
        tags.tag_resource(self._get_param("resourceArn"), [{"key": k, "value": v} for k, v in pairs.items()])
        return "{}"

    def untag_resource(self):
        tags.untag_resource_using_names(self._get_param("resourceArn"), self._get_param("tagKeys") or [])
        return "{}"

    def list_tags_for_resource(self):
        listed = tags.list_tags_for_resource(self._get_param("resourceArn"))["tags"]
        return json.dumps({"tags": {pair["key"]: pair["value"] for pair in listed}})

    # CreateRepository takes the repository's tags too (API_CreateRepository.html, "tags"); moto drops them.
    create_repository = CodeCommitResponse.create_repository

    def create_repository_with_tags(self):
        answer = create_repository(self)
        pairs = self._get_param("tags") or {}
        arn = json.loads(answer)["repositoryMetadata"]["Arn"]
        tags.tag_resource(arn, [{"key": k, "value": v} for k, v in pairs.items()])
        return answer

    CodeCommitResponse.create_repository = create_repository_with_tags
    CodeCommitResponse.tag_resource = tag_resource
    CodeCommitResponse.untag_resource = untag_resource
    CodeCommitResponse.list_tags_for_resource = list_tags_for_resource


def mend_codebuild_encryption_key():
    """
    CodeBuild CreateProject and BatchGetProjects: the project's encryptionKey is the KMS key it was created
    with (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_Project.html, "encryptionKey").
    moto 5.2.1 always reports the AWS managed key alias/aws/s3.
    """
    from moto.codebuild.responses import CodeBuildResponse

    def keeping_key(method):
        def handler(self):
            answer = method(self)
            key = self._get_param("encryptionKey")
            name = self._get_param("name")
            project = self.codebuild_backend.codebuild_projects.get(name)
            if key and project is not None:
                project.project_metadata["encryptionKey"] = key
                body = json.loads(answer)
                body["project"]["encryptionKey"] = key
                return json.dumps(body)
            return answer

        return handler

    CodeBuildResponse.create_project = keeping_key(CodeBuildResponse.create_project)
    if hasattr(CodeBuildResponse, "update_project"):
        CodeBuildResponse.update_project = keeping_key(CodeBuildResponse.update_project)


MENDS = [
    mend_codebuild_encryption_key,
    mend_json_timestamps,
    mend_codebuild_source_location,
    mend_policy_conditions,
    mend_codedeploy_deletes,
    mend_codecommit_tags,
]


def main():
    port = int(sys.argv[1])
    for mend in MENDS:
        mend()
    from moto.server import main as serve

    serve(["-H", "127.0.0.1", "-p", str(port)])


if __name__ == "__main__":
    main()
