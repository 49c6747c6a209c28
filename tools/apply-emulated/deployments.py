"""
What deployments and operators do to an applied stack, through the AWS API (boto3) against the
emulator, the way each engine does it; then, after destroy, whether anything the stack created remains.

Usage:
  python deployments.py prepare <endpoint> <region> <domain>  creates what an HTTPS stack expects to exist
  python deployments.py simulate <endpoint> <state.json>   prints one line per change, then a JSON summary
  python deployments.py inventory <state.json> <out.json>  what the stack created, to look for after destroy
  python deployments.py remains <endpoint> <inventory.json>  prints what is still there (nothing: exit 0)

<state.json> is `terraform show -json` of the applied stack.
"""

import json
import sys

import boto3
from botocore.config import Config


def clients(endpoint, region):
    config = Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"})

    def client(service):
        return boto3.client(
            service,
            endpoint_url=endpoint,
            region_name=region,
            aws_access_key_id="emulated",
            aws_secret_access_key="emulated",
            config=config,
        )

    return client


def resources(state):
    found = {}
    for resource in state["values"]["root_module"]["resources"]:
        if resource.get("mode") == "managed":
            found.setdefault(resource["type"], []).append(resource["values"])
    return found


def region_of(state):
    arn = next(v["arn"] for v in resources(state)["aws_ecs_cluster"])
    return arn.split(":")[3]


def simulate(endpoint, state):
    found = resources(state)
    client = clients(endpoint, region_of(state))
    ecs, elb, s3, ecr, logs = (client(s) for s in ("ecs", "elbv2", "s3", "ecr", "logs"))
    done = []

    groups = {g["name"].rsplit("-", 1)[-1]: g["arn"] for g in found["aws_lb_target_group"]}
    other = {groups["primary"]: groups["secondary"], groups["secondary"]: groups["primary"]}
    rules = found.get("aws_lb_listener_rule", [])
    if rules:
        # ECS engine: ECS shifts the weights of each listener rule to the new revision's target group.
        for rule in rules:
            forward = [a for a in rule["action"] if a["type"] == "forward"][0]["forward"][0]
            weights = [
                {"TargetGroupArn": g["arn"], "Weight": 100 - g["weight"]} for g in forward["target_group"]
            ]
            elb.modify_rule(
                RuleArn=rule["arn"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": weights}}]
            )
            split = ", ".join(f"{w['TargetGroupArn'].split('/')[-2]} {w['Weight']}%" for w in weights)
            done.append(f"ECS shifted the weights of rule {rule['arn'].rsplit('/', 1)[-1]}: {split}")
    else:
        # CodeDeploy engine: both listeners forward to the replacement task set's target group.
        for listener in found["aws_lb_listener"]:
            action = listener["default_action"][0]
            if action["type"] != "forward":
                continue  # the HTTP -> HTTPS redirect listener is not CodeDeploy's
            target = other[action["target_group_arn"]]
            elb.modify_listener(
                ListenerArn=listener["arn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": target}]
            )
            done.append(f"CodeDeploy moved listener :{listener['port']} to {target.split('/')[-2]}")

    # A new task-definition revision (the pipeline registers it), and the service moved to it: a task
    # set behind the other target group (CodeDeploy) or a new service revision (ECS).
    service = found["aws_ecs_service"][0]
    family = found["aws_ecs_task_definition"][0]
    current = ecs.describe_task_definition(taskDefinition=family["arn"])["taskDefinition"]
    keys = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
            "requiresCompatibilities", "cpu", "memory", "runtimePlatform")
    revision = ecs.register_task_definition(**{k: current[k] for k in keys if current.get(k)})["taskDefinition"]
    done.append(f"the pipeline registered {revision['taskDefinitionArn'].split('/')[-1]}")
    [balancer] = service["load_balancer"]
    moved_to = other[balancer["target_group_arn"]]
    if service["deployment_controller"][0]["type"] == "CODE_DEPLOY":
        task_set = ecs.create_task_set(
            cluster=service["cluster"], service=service["name"], taskDefinition=revision["taskDefinitionArn"],
            loadBalancers=[{"targetGroupArn": moved_to, "containerName": balancer["container_name"],
                            "containerPort": balancer["container_port"]}],
            launchType="FARGATE",
        )["taskSet"]
        ecs.update_service_primary_task_set(
            cluster=service["cluster"], service=service["name"], primaryTaskSet=task_set["taskSetArn"]
        )
        done.append(f"CodeDeploy made task set {task_set['id']} primary behind {moved_to.split('/')[-2]}")
    else:
        ecs.update_service(
            cluster=service["cluster"], service=service["name"], taskDefinition=revision["taskDefinitionArn"],
            loadBalancers=[{"targetGroupArn": moved_to, "containerName": balancer["container_name"],
                            "containerPort": balancer["container_port"]}],
        )
        done.append(f"ECS moved the service to {revision['taskDefinitionArn'].split('/')[-1]} behind {moved_to.split('/')[-2]}")
    scaled = service["desired_count"] + 1
    ecs.update_service(cluster=service["cluster"], service=service["name"], desiredCount=scaled)
    done.append(f"an operator (or Application Auto Scaling) set the desired count to {scaled}")

    # Pipeline runs fill the artifact bucket (versioned: each run adds versions) and push images.
    for bucket in found["aws_s3_bucket"]:
        for run in range(3):
            s3.put_object(Bucket=bucket["bucket"], Key=f"web-pipeline/SourceCode/run-{run}.zip", Body=b"artifact")
            s3.put_object(Bucket=bucket["bucket"], Key="web-pipeline/ImageDetail/image.zip", Body=f"{run}".encode())
        done.append(f"pipeline runs left 6 object versions in {bucket['bucket']}")
    for repository in found["aws_ecr_repository"]:
        for run in range(2):
            manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                                   "config": {"digest": f"sha256:{run:064d}", "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                                   "layers": []})
            ecr.put_image(repositoryName=repository["name"], imageManifest=manifest, imageTag=f"commit{run}")
        done.append(f"builds pushed 2 images to {repository['name']}")

    # Lambda writes each hook's logs into streams of its own.
    for function in found.get("aws_lambda_function", []):
        group = f"/aws/lambda/{function['function_name']}"
        stream = "2026/12/01/[$LATEST]0123456789abcdef"
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": 1796083200000, "message": '{"message":"verdict"}'}])
    if found.get("aws_lambda_function"):
        done.append(f"{len(found['aws_lambda_function'])} hook functions wrote log streams")
    return done


def prepare(endpoint, region, domain):
    """
    What an HTTPS environment expects before its first deploy: an ACM certificate for its domain and the
    Route 53 zone to put the name in. Here a self-signed certificate is imported (ACM ImportCertificate)
    and a zone created; the runner puts their identifiers where the config has placeholders.
    """
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    client = clients(endpoint, region)
    arn = client("acm").import_certificate(
        Certificate=certificate.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                     serialization.NoEncryption()),
    )["CertificateArn"]
    zone = client("route53").create_hosted_zone(Name=domain.split(".", 1)[1] if domain.count(".") > 1 else domain,
                                                 CallerReference=f"emulated-{now.timestamp()}")
    return {"certificateArn": arn, "hostedZoneId": zone["HostedZone"]["Id"].rsplit("/", 1)[-1]}


def inventory(state):
    """What a destroy must remove, by the keys the API finds them with."""
    found = resources(state)
    return {
        "region": region_of(state),
        "buckets": [b["bucket"] for b in found.get("aws_s3_bucket", [])],
        "repositories": [r["name"] for r in found.get("aws_ecr_repository", [])],
        "log_groups": [g["name"] for g in found.get("aws_cloudwatch_log_group", [])],
        "roles": [r["name"] for r in found.get("aws_iam_role", [])],
        "load_balancers": [lb["arn"] for lb in found.get("aws_lb", [])],
        "target_groups": [g["arn"] for g in found.get("aws_lb_target_group", [])],
        "security_groups": [g["id"] for g in found.get("aws_security_group", [])],
        "vpcs": [v["id"] for v in found.get("aws_vpc", [])],
        "functions": [f["function_name"] for f in found.get("aws_lambda_function", [])],
        "clusters": [c["arn"] for c in found.get("aws_ecs_cluster", [])],
    }


def remains(endpoint, listed):
    client = clients(endpoint, listed["region"])
    s3, ecr, logs, iam, elb, ec2, lam, ecs = (
        client(s) for s in ("s3", "ecr", "logs", "iam", "elbv2", "ec2", "lambda", "ecs"))
    left = []
    existing_buckets = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
    left += [f"bucket {b}" for b in listed["buckets"] if b in existing_buckets]
    existing_repositories = {r["repositoryName"] for r in ecr.describe_repositories().get("repositories", [])}
    left += [f"repository {r}" for r in listed["repositories"] if r in existing_repositories]
    existing_groups = {g["logGroupName"] for page in logs.get_paginator("describe_log_groups").paginate()
                       for g in page["logGroups"]}
    left += [f"log group {g}" for g in listed["log_groups"] if g in existing_groups]
    existing_roles = {r["RoleName"] for page in iam.get_paginator("list_roles").paginate() for r in page["Roles"]}
    left += [f"role {r}" for r in listed["roles"] if r in existing_roles]
    existing_lbs = {lb["LoadBalancerArn"] for lb in elb.describe_load_balancers().get("LoadBalancers", [])}
    left += [f"load balancer {a}" for a in listed["load_balancers"] if a in existing_lbs]
    existing_tgs = {g["TargetGroupArn"] for g in elb.describe_target_groups().get("TargetGroups", [])}
    left += [f"target group {a}" for a in listed["target_groups"] if a in existing_tgs]
    existing_sgs = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    left += [f"security group {g}" for g in listed["security_groups"] if g in existing_sgs]
    existing_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    left += [f"VPC {v}" for v in listed["vpcs"] if v in existing_vpcs]
    existing_functions = {f["FunctionName"] for f in lam.list_functions().get("Functions", [])}
    left += [f"function {f}" for f in listed["functions"] if f in existing_functions]
    active_clusters = {c["clusterArn"] for c in ecs.describe_clusters(clusters=listed["clusters"])["clusters"]
                       if c.get("status") == "ACTIVE"} if listed["clusters"] else set()
    left += [f"cluster {c}" for c in listed["clusters"] if c in active_clusters]
    return left


def main():
    command, *args = sys.argv[1:]
    if command == "prepare":
        print(json.dumps(prepare(*args)))
    elif command == "simulate":
        endpoint, state = args
        for line in (done := simulate(endpoint, json.load(open(state)))):
            print(line)
        print(json.dumps({"simulated": len(done)}))
    elif command == "inventory":
        state, out = args
        json.dump(inventory(json.load(open(state))), open(out, "w"), indent=1)
    elif command == "remains":
        endpoint, listed = args
        left = remains(endpoint, json.load(open(listed)))
        for line in left:
            print(line)
        sys.exit(1 if left else 0)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
